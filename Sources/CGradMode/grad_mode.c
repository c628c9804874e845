#include "CGradMode.h"

_Thread_local bool fit_grad_mode_disabled = false;
