/* tool.c - the grader's own commands (compiler, make, binutils), run under the sandbox too:
 * they read the student's file, and a file can make a compiler hang (#include "/dev/zero"). */
#include <string.h>

#include "stage.h"

bool run_tool(struct strv *argv, const char *cwd, double wall_s, struct sb_result *res)
{
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", "TMPDIR=/tmp", NULL};
    struct sb_limits lim = {
        .wall_s = wall_s,
        .cpu_s = wall_s * 2,
        .mem_mb = 2048,
        .nproc = 64,
        .out_bytes = 256 * 1024,
        .file_mb = 512,
    };
    if (sb_run(strv_argv(argv), env, cwd, &lim, res) != 0) {
        if (!res->out)
            res->out = xasprintf("could not run %s: %s\n", argv->v[0], strerror(res->status));
        return false;
    }
    if (!res->out)
        res->out = xstrdup("");
    return res->end == SB_EXITED && res->status == 0;
}

char *tool_output(const char *cwd, const char *const args[])
{
    struct strv argv = {0};
    for (size_t i = 0; args[i]; i++)
        strv_add(&argv, args[i]);
    struct sb_result res;
    bool ok = run_tool(&argv, cwd, 60, &res);
    char *out = ok ? xstrdup(res.out) : NULL;
    sb_result_free(&res);
    strv_free(&argv);
    return out;
}
