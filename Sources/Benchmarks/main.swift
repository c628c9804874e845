import Autograd
import Foundation

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func run() {
  let d = 16, b = 32, nb = 1024
  var batches: [(Tensor, Tensor)] = []
  for i in 0..<nb {
    batches.append((Tensor.randomNormal([b, d], seed: UInt64(i)), Tensor.randomNormal([b], seed: UInt64(i + 5000))))
  }
  let w = Tensor.zeros([d], requiresGrad: true)
  let bias = Tensor.zeros([], requiresGrad: true)
  func step(_ x: Tensor, _ y: Tensor) {
    w.grad = nil; bias.grad = nil
    let loss = (x.matmul(w) + bias - y).square().mean()
    try! loss.backward()
    noGrad {
      w.scalars.withUnsafeMutableBufferPointer { p in
        let g = w.grad!.scalars
        for i in 0..<p.count { p[i] -= 0.01 * g[i] }
      }
      bias.scalars[0] -= 0.01 * bias.grad!.scalars[0]
    }
  }
  for i in 0..<2000 { step(batches[i % nb].0, batches[i % nb].1) }
  var per: [Double] = []
  var k = 0
  for _ in 0..<3000 {
    let t0 = now()
    for _ in 0..<100 { step(batches[k % nb].0, batches[k % nb].1); k += 1 }
    per.append((now() - t0) / 100 * 1e6)
  }
  per.sort()
  print("median us/step", per[per.count / 2])
}
run()
