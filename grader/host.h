/* host.h - what the grading host gives a grade. */
#ifndef HOST_H
#define HOST_H

/* The CPUs this process may use at once: those of its affinity mask, fewer if its cgroup's CPU
 * quota (cgroup v2 cpu.max, or v1's cfs quota) allows less than that many full CPUs, as on
 * Gradescope's default runner. THREADLAB_CPUS=N in the environment says N instead (to grade as
 * such a host would, and to test it). At least 1. */
int host_usable_cpus(void);

#endif
