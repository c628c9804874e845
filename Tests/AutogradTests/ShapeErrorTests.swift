import Autograd
import Testing

/// Shape mismatches name both shapes: as a thrown error where the API throws, and in the
/// message of the trap an operator stops the program with.
@Suite struct ShapeErrorTests {
  @Test func broadcastShapeNamesBothShapes() {
    #expect(throws: ShapeError.self) { try Tensor.broadcastShape([2, 3], [4]) }
    do {
      _ = try Tensor.broadcastShape([2, 3], [4])
    } catch {
      #expect(error.message.contains("[2, 3]"))
      #expect(error.message.contains("[4]"))
    }
  }

  @Test func broadcastShapeFollowsNumPyRules() throws {
    #expect(try Tensor.broadcastShape([3, 1], [1, 4]) == [3, 4])
    #expect(try Tensor.broadcastShape([2, 3, 4], [4]) == [2, 3, 4])
    #expect(try Tensor.broadcastShape([], [5]) == [5])
  }

  @Test func mismatchedOperandsStopWithBothShapesInTheMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor([[1, 2, 3], [4, 5, 6]]) + Tensor([1, 2])
    }
    let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(message.contains("[2, 3]") && message.contains("[2]"), "stderr: \(message)")
  }

  @Test func matmulMismatchNamesBothShapes() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor([[1, 2, 3]]).matmul(Tensor([[1, 2]]))
    }
    let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(message.contains("[1, 3]") && message.contains("[1, 2]"), "stderr: \(message)")
  }
}
