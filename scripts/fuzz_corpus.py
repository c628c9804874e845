# h5py-written seed files for fit-fuzz (Tests/FitTests/FuzzTests.swift and `make fuzz`): the
# layouts, filters and types users write. Usage: python3 scripts/fuzz_corpus.py FOLDER
import sys, h5py, numpy as np
rng = np.random.default_rng(7)
X = rng.normal(size=(120, 3)); y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=120)
def out(name): return h5py.File(sys.argv[1] + '/' + name, 'w')
with out('contiguous.h5') as f:
  f['X'] = X; f['y'] = y
  f['X'].attrs['columns'] = ['a', 'b', 'c']
with out('chunked.h5') as f:
  f.create_dataset('X', data=X, chunks=(32, 3), compression='gzip', shuffle=True,
                   fletcher32=True)
  f.create_dataset('y', data=y, chunks=(32,), fletcher32=True)
with out('compact.h5') as f:
  for name, data in [('X', X[:20]), ('y', y[:20])]:
    space = h5py.h5s.create_simple(data.shape)
    plist = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    plist.set_layout(h5py.h5d.COMPACT)
    d = h5py.h5d.create(f.id, name.encode(), h5py.h5t.IEEE_F64LE, space, plist)
    d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.ascontiguousarray(data))
with out('integers.h5') as f:
  f.create_dataset('X', data=(X * 100).astype('>i4'))
  f.create_dataset('y', data=(y * 10).astype('<u2'))
with out('extensible.h5') as f:
  f.create_dataset('X', data=X.astype('f4'), maxshape=(None, 3), chunks=(50, 3))
  f.create_dataset('y', data=y, maxshape=(None,), chunks=(50,))
