#include "CKernels.h"

#include <math.h>

#pragma STDC FP_CONTRACT OFF
#pragma clang fp contract(off)

__attribute__((target_clones("avx512f", "avx2", "default")))
void fit_adam_update(double *restrict parameter, const double *restrict gradient,
                     double *restrict m, double *restrict v, long n, double decayFactor,
                     int decays, double l2Penalty, double sign, double lerpWeight,
                     double oneMinusLerpWeight, double beta2, double oneMinusBeta2,
                     double negativeStepSize, double biasCorrection2Sqrt, double eps) {
  const int nearMomentBranch = lerpWeight < 0.5;
  for (long i = 0; i < n; i++) {
    double theta = decays ? parameter[i] * decayFactor : parameter[i];
    double ascentGradient = sign * gradient[i];
    double g = l2Penalty != 0 ? ascentGradient + l2Penalty * theta : ascentGradient;
    double nearMoment = m[i] + lerpWeight * (g - m[i]);
    double nearGradient = g - (g - m[i]) * oneMinusLerpWeight;
    double firstMoment = nearMomentBranch ? nearMoment : nearGradient;
    double secondMoment = v[i] * beta2 + oneMinusBeta2 * g * g;
    m[i] = firstMoment;
    v[i] = secondMoment;
    double denominator = __builtin_sqrt(secondMoment) / biasCorrection2Sqrt + eps;
    parameter[i] = theta + negativeStepSize * firstMoment / denominator;
  }
}
