#ifndef FIT_LINEAR_SQUARED_ERROR_H
#define FIT_LINEAR_SQUARED_ERROR_H

/// A linear model's squared error and its gradient in one pass over the rows, for the fused
/// `Tensor.linearSquaredErrorSum` (Sources/Autograd/Tensor+LinearSquaredError.swift).
///
/// For k < count, with r = rows[k], row-major x [row_count, inputs], y [row_count, outputs],
/// W [inputs, outputs] and b [outputs] (NULL for none):
///
///     e_r = x_r·W + b − y_r
///     *loss = Σ_r Σ_o e_ro²
///     gw[j, o] = Σ_r x_rj · e_ro      (skipped when gw is NULL)
///     gb[o]    = Σ_r e_ro             (skipped when gb is NULL)
///
/// Unscaled: the caller multiplies by its factors. Each row is read once, while it is in cache.
/// The sums run in a fixed order, so every vector width and every path gives the same bits: eight
/// running sums per dot product (element j into sum j mod 8, added pairwise), four per sum over
/// rows (row k into sum k mod 4; with several outputs, gb[o] is one running sum), the gradient's
/// sums row after row, no FMA contraction. Tests/AutogradTests/LinearSquaredErrorTests.swift
/// writes this order out and checks every width against it.
///
/// Returns -1, or the first k whose rows[k] is not a row (outside 0..<row_count): the kernel
/// checks each index before reading the row, and the outputs are then unspecified.
long fit_linear_squared_error(const double *x, const double *y, long row_count, const long *rows,
                              long count, long inputs, long outputs, const double *w,
                              const double *b, double *loss, double *gw, double *gb);

#endif
