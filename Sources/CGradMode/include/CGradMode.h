#ifndef FIT_CGRADMODE_H
#define FIT_CGRADMODE_H

#include <stdbool.h>

/// Autograd's grad mode, one flag per thread (PyTorch's is thread-local too). A C thread-local
/// because Swift has none of its own: reading it is one load, where a Swift task-local value
/// costs a runtime call, and setting one allocates. Stored negated, so that every new thread
/// starts with its zero-initialized value, "enabled".
extern _Thread_local bool fit_grad_mode_disabled;

static inline bool fit_grad_mode_is_enabled(void) { return !fit_grad_mode_disabled; }

static inline void fit_grad_mode_set_enabled(bool enabled) { fit_grad_mode_disabled = !enabled; }

/// Set by the engine while a backward pass adds gradients into leaves' `grad` (not while it
/// returns them from `gradients(withRespectTo:)`, and not while it records itself): rules may
/// then add a leaf's share straight into its gradient buffer. See `Tensor.directGradient`.
extern _Thread_local bool fit_backward_accumulates_in_place;

static inline bool fit_backward_in_place(void) { return fit_backward_accumulates_in_place; }

static inline void fit_set_backward_in_place(bool inPlace) {
  fit_backward_accumulates_in_place = inPlace;
}

#endif
