#include "CGradMode.h"

_Thread_local bool fit_grad_mode_disabled = false;

_Thread_local bool fit_backward_accumulates_in_place = false;
