/* host.c - the CPUs a grade may use (host.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#include "host.h"

/* Whole CPUs a cgroup quota allows, quota / period (1 for less than one), or 0 when there is no
 * quota (or no file). */
static int quota_cpus(const char *path, const char *period_path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char quota[32] = "";
    long period = 0;
    int n = fscanf(f, "%31s %ld", quota, &period);
    fclose(f);
    if (n < 1 || quota[0] == 'm' || quota[0] == '-') /* "max", v1's -1: no quota */
        return 0;
    if (n < 2 && period_path) { /* v1: the period is a file of its own */
        f = fopen(period_path, "r");
        if (!f || fscanf(f, "%ld", &period) != 1)
            period = 0;
        if (f)
            fclose(f);
    }
    long q = atol(quota);
    if (q <= 0 || period <= 0)
        return 0;
    return q / period > 0 ? (int)(q / period) : 1;
}

int host_usable_cpus(void)
{
    const char *forced = getenv("THREADLAB_CPUS");
    if (forced && atoi(forced) > 0)
        return atoi(forced);
    cpu_set_t set;
    int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
    int quota = quota_cpus("/sys/fs/cgroup/cpu.max", NULL);
    if (!quota)
        quota = quota_cpus("/sys/fs/cgroup/cpu/cpu.cfs_quota_us",
                           "/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    if (quota && quota < cpus)
        cpus = quota;
    return cpus > 0 ? cpus : 1;
}
