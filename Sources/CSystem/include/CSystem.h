#ifndef FIT_CSYSTEM_H
#define FIT_CSYSTEM_H

/// Asks the kernel to send this process `signal` when its parent dies (Linux
/// `prctl(PR_SET_PDEATHSIG)`, which Swift cannot call: it is variadic). Returns 0, or -1 with
/// errno set. A no-op returning 0 on systems without it.
int fit_set_parent_death_signal(int signal);

#endif
