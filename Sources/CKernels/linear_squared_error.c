#include "LinearSquaredError.h"

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

// The helpers are inlined into each clone of the entry point, so that each is compiled for that
// clone's vector width (a called helper would be compiled for the baseline only).

/// How far ahead rows are requested from memory. The hardware prefetcher follows a run of
/// consecutive rows only after a few misses, and never guesses a shuffled order; asking for the
/// row a few ahead keeps memory busy from the first row of every batch. How far pays depends on
/// the order (measured on 1M × 32 rows, batch 256, Zen 5): consecutive rows come fastest asked
/// for 24 rows ahead (11% faster than 8), while shuffled rows, each a separate trip to memory,
/// come fastest asked for 8 ahead (16 ahead is already 40% slower: more requests than the core
/// keeps in flight). Huge pages for the data changed neither.
#define PREFETCH_CONSECUTIVE 24
#define PREFETCH_SCATTERED 8

static inline __attribute__((always_inline)) void prefetch_row(const double *row, long n) {
  for (long j = 0; j < n; j += 8) __builtin_prefetch(row + j, 0, 3);
}

/// The prefetch distance for `rows`: one run of consecutive rows (file order) or not
/// (shuffled). It only changes speed.
static inline __attribute__((always_inline)) long prefetch_distance(const long *rows, long count) {
  return count > 0 && rows[count - 1] - rows[0] == count - 1 ? PREFETCH_CONSECUTIVE
                                                            : PREFETCH_SCATTERED;
}

/// x_r·w for one output: eight running sums (element j goes to sum j mod 8), added pairwise.
static inline __attribute__((always_inline)) double dot(const double *restrict x, const double *restrict w, long n) {
  double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  long j = 0;
  for (; j + 8 <= n; j += 8) {
    for (int l = 0; l < 8; l++) s[l] += x[j + l] * w[j + l];
  }
  for (int l = 0; j + l < n; l++) s[l] += x[j + l] * w[j + l];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

/// The common case, one output: W is a column.
static inline __attribute__((always_inline)) long one_output(const double *restrict x, const double *restrict y,
                       long row_count, const long *restrict rows, long count, long inputs,
                       const double *restrict w, double bias, double *restrict loss,
                       double *restrict gw, double *restrict gb) {
  double squares[4] = {0, 0, 0, 0};
  double errors[4] = {0, 0, 0, 0};
  if (gw) {
    for (long j = 0; j < inputs; j++) gw[j] = 0;
  }
  const long ahead = prefetch_distance(rows, count);
  for (long k = 0; k < count; k++) {
    if ((unsigned long)rows[k] >= (unsigned long)row_count) return k;
    const double *xr = x + rows[k] * inputs;
    if (k + ahead < count) prefetch_row(x + rows[k + ahead] * inputs, inputs);
    double e = (dot(xr, w, inputs) + bias) - y[rows[k]];
    squares[k & 3] += e * e;
    errors[k & 3] += e;
    if (gw) {
      for (long j = 0; j < inputs; j++) gw[j] += xr[j] * e;
    }
  }
  *loss = (squares[0] + squares[1]) + (squares[2] + squares[3]);
  if (gb) *gb = (errors[0] + errors[1]) + (errors[2] + errors[3]);
  return -1;
}

typedef double v4 __attribute__((vector_size(32), aligned(8), may_alias));

/// One output and `inputs = 4·chunks` for a compile-time chunks ≤ 8: the row's chunks, and the
/// gradient's sums, stay in vector registers, so that each row is loaded once and the gradient
/// is stored once per call rather than once per row. That takes the kernel from the core's
/// speed to memory speed (an epoch of 1M × 32 rows in 0.0072 s rather than 0.0096 s). The sums
/// are those of `one_output`, in the same order: chunk c holds elements 4c..4c+3, which are
/// lanes 0–3 of the dot product's running sums for even c and lanes 4–7 for odd c.
static inline __attribute__((always_inline)) long in_registers(const double *restrict x, const double *restrict y,
                          long row_count, const long *restrict rows, long count,
                          const long chunks, const double *restrict w, double bias,
                          double *restrict loss, double *restrict gw, double *restrict gb) {
  const long inputs = 4 * chunks;
  const v4 zero = {0, 0, 0, 0};
  v4 g[8];
  for (long c = 0; c < chunks; c++) g[c] = zero;
  double squares[4] = {0, 0, 0, 0};
  double errors[4] = {0, 0, 0, 0};
  const long ahead = prefetch_distance(rows, count);
  for (long k = 0; k < count; k++) {
    if ((unsigned long)rows[k] >= (unsigned long)row_count) return k;
    const v4 *xr = (const v4 *)(x + rows[k] * inputs);
    if (k + ahead < count) prefetch_row(x + rows[k + ahead] * inputs, inputs);
    v4 xc[8];
    for (long c = 0; c < chunks; c++) xc[c] = xr[c];
    v4 low = zero, high = zero;
    for (long c = 0; c < chunks; c += 2) {
      low += xc[c] * ((const v4 *)w)[c];
      if (c + 1 < chunks) high += xc[c + 1] * ((const v4 *)w)[c + 1];
    }
    const v4 pairs = low + high;  // s_l + s_(l+4), l = 0..3
    double e = (((pairs[0] + pairs[1]) + (pairs[2] + pairs[3])) + bias) - y[rows[k]];
    squares[k & 3] += e * e;
    errors[k & 3] += e;
    for (long c = 0; c < chunks; c++) g[c] += xc[c] * e;
  }
  if (gw) {
    for (long c = 0; c < chunks; c++) ((v4 *)gw)[c] = g[c];
  }
  *loss = (squares[0] + squares[1]) + (squares[2] + squares[3]);
  if (gb) *gb = (errors[0] + errors[1]) + (errors[2] + errors[3]);
  return -1;
}

/// Any number of outputs: the same sums, output by output.
static inline __attribute__((always_inline)) long many_outputs(const double *restrict x, const double *restrict y,
                         long row_count, const long *restrict rows, long count, long inputs, long outputs,
                         const double *restrict w, const double *restrict b,
                         double *restrict loss, double *restrict gw, double *restrict gb) {
  double squares[4] = {0, 0, 0, 0};
  if (gw) {
    for (long i = 0; i < inputs * outputs; i++) gw[i] = 0;
  }
  if (gb) {
    for (long o = 0; o < outputs; o++) gb[o] = 0;
  }
  for (long k = 0; k < count; k++) {
    if ((unsigned long)rows[k] >= (unsigned long)row_count) return k;
    const double *xr = x + rows[k] * inputs;
    const double *yr = y + rows[k] * outputs;
    for (long o = 0; o < outputs; o++) {
      double s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      for (long j = 0; j < inputs; j++) s[j & 7] += xr[j] * w[j * outputs + o];
      double p = ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
      double e = (b ? p + b[o] : p) - yr[o];
      squares[k & 3] += e * e;
      if (gb) gb[o] += e;
      if (gw) {
        for (long j = 0; j < inputs; j++) gw[j * outputs + o] += xr[j] * e;
      }
    }
  }
  *loss = (squares[0] + squares[1]) + (squares[2] + squares[3]);
  return -1;
}

// No AVX-512 clone: on the Zen 4 machines this was first measured on, the compiler's 512-bit
// version of these short dot products ran 1.5× slower than the AVX2 one (0.0143 s against
// 0.0096 s for an epoch of 1M × 32 rows), and on Zen 5 it was still 10–20% slower.
__attribute__((target_clones("avx2", "default")))
long fit_linear_squared_error(const double *x, const double *y, long row_count, const long *rows,
                              long count, long inputs, long outputs, const double *w,
                              const double *b, double *loss, double *gw, double *gb) {
  const double bias = b ? b[0] : 0;
  if (outputs == 1) {
    // A constant chunk count lets the compiler unroll the row into registers.
    switch (inputs) {
    case 4: return in_registers(x, y, row_count, rows, count, 1, w, bias, loss, gw, gb);
    case 8: return in_registers(x, y, row_count, rows, count, 2, w, bias, loss, gw, gb);
    case 12: return in_registers(x, y, row_count, rows, count, 3, w, bias, loss, gw, gb);
    case 16: return in_registers(x, y, row_count, rows, count, 4, w, bias, loss, gw, gb);
    case 20: return in_registers(x, y, row_count, rows, count, 5, w, bias, loss, gw, gb);
    case 24: return in_registers(x, y, row_count, rows, count, 6, w, bias, loss, gw, gb);
    case 28: return in_registers(x, y, row_count, rows, count, 7, w, bias, loss, gw, gb);
    case 32: return in_registers(x, y, row_count, rows, count, 8, w, bias, loss, gw, gb);
    default: return one_output(x, y, row_count, rows, count, inputs, w, bias, loss, gw, gb);
    }
  }
  return many_outputs(x, y, row_count, rows, count, inputs, outputs, w, b, loss, gw, gb);
}
