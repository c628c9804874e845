#ifndef FIT_CKERNELS_H
#define FIT_CKERNELS_H

#include "LinearSquaredError.h"

/// Adam's (and AdamW's) element update without AMSGrad, in PyTorch's order of operations, over
/// n contiguous parameters. See Sources/Optim/AdamKernel.swift for the formula; this is the same
/// arithmetic, compiled once per vector width (AVX-512, AVX2, SSE2) and chosen at load time, so
/// that a portable binary still runs at memory speed. No FMA contraction: every result is
/// bit-identical to the scalar Swift loop.
void fit_adam_update(double *parameter, const double *gradient, double *m, double *v, long n,
                     double decayFactor, int decays, double l2Penalty, double sign,
                     double lerpWeight, double oneMinusLerpWeight, double beta2,
                     double oneMinusBeta2, double negativeStepSize, double biasCorrection2Sqrt,
                     double eps);

#endif
