/* stubsum.c - is a submitted file still the kit's stub (see stubsum.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stubsum.h"

const char *stub_sum(const char *data, size_t len)
{
    static char hex[17];
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)data[i]) * 1099511628211ULL;
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return hex;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

bool stub_untouched(const struct lab *lab, const char *submitted, const char *staged)
{
    size_t len = 0;
    char *got = read_file(staged, &len);
    if (!got)
        return false;
    bool same = false;
    if (lab->stub_sum) {
        same = strcmp(stub_sum(got, len), lab->stub_sum) == 0;
    } else {
        char *kit_path = xasprintf("%s/%s", lab->dir, lab->stub);
        size_t kit_len = 0;
        char *kit = same_file(kit_path, submitted) ? NULL : read_file(kit_path, &kit_len);
        same = kit && kit_len == len && memcmp(kit, got, len) == 0;
        free(kit), free(kit_path);
    }
    free(got);
    return same;
}
