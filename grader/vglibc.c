/* vglibc.c - a copy of libc that Valgrind starts with in half the time.
 *
 * Each Valgrind run begins by reading the debug information of every library the program loads.
 * For libc that is Debian's libc6-dbg (a dependency of its valgrind package): 4 MB of DWARF that
 * Valgrind parses in about 0.25 s of CPU, every run, for line numbers inside libc that no
 * finding shows. A submission's grade runs Valgrind about thirty times, and a class's grade
 * thousands of times: that reading was a third of all the CPU Valgrind's runs took.
 *
 * What Valgrind does need from it is libc's full symbol table: Helgrind crashes when libc's
 * internal functions have no names. So the kit-support directory gets a copy of libc that
 * Valgrind's runs load instead (LD_LIBRARY_PATH), identical but for two notes: no build id, so
 * that Valgrind does not find libc6-dbg's file by it, and a debug link to a file that holds only
 * the symbol table (objcopy --strip-debug of libc6-dbg's file). Start-up of an empty program:
 * memcheck 0.54 -> 0.33 s, Helgrind 0.48 -> 0.24 s.
 *
 * The copy is used only while it matches the libc the grader itself runs with (the same build
 * id): after an upgrade of libc, the kit objects are kept, and an old copy loaded beside a new
 * dynamic loader could fail in ways that would be blamed on the student. Without libc6-dbg, or
 * objcopy, there is no copy and Valgrind runs as before. */
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "stage.h"

/* Valgrind's own suppressions of libc's internal races match libc by a pattern of its path (a
 * directory named lib, then libc.so.6): under any other directory name, Helgrind blames on the
 * student's pthread_mutex_lock what glibc's condition variables do inside. */
#define DIR_NAME "valgrind/lib"

struct libc_id {
    char path[4096];
    char build_id[2 * 64 + 1]; /* hex */
};

static void note_build_id(const char *notes, size_t len, struct libc_id *id)
{
    for (size_t off = 0; off + sizeof(ElfW(Nhdr)) <= len;) {
        const ElfW(Nhdr) *n = (const void *)(notes + off);
        size_t name = (n->n_namesz + 3) & ~(size_t)3, desc = (n->n_descsz + 3) & ~(size_t)3;
        const unsigned char *d = (const unsigned char *)(n + 1) + name;
        if (off + sizeof *n + name + desc > len)
            return;
        if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && !memcmp(n + 1, "GNU", 4) &&
            n->n_descsz <= 64) {
            for (size_t i = 0; i < n->n_descsz; i++)
                sprintf(id->build_id + 2 * i, "%02x", d[i]);
            return;
        }
        off += sizeof *n + name + desc;
    }
}

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct libc_id *id = data;
    const char *base = strrchr(info->dlpi_name, '/');
    if (!base || strncmp(base + 1, "libc.so.", 8) != 0 ||
        strlen(info->dlpi_name) >= sizeof id->path)
        return 0;
    strcpy(id->path, info->dlpi_name);
    for (int i = 0; i < info->dlpi_phnum && !id->build_id[0]; i++)
        if (info->dlpi_phdr[i].p_type == PT_NOTE)
            note_build_id((const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr),
                          info->dlpi_phdr[i].p_memsz, id);
    return 1;
}

/* The libc this process runs with: the one the kit's binaries load too. */
static bool running_libc(struct libc_id *id)
{
    memset(id, 0, sizeof *id);
    dl_iterate_phdr(find_libc, id);
    return id->path[0] && id->build_id[0];
}

/* dir's copy, when it is of the libc running now. */
static bool copy_matches(const char *dir, const struct libc_id *id)
{
    char *stamp = xasprintf("%s/build-id", dir), *lib = xasprintf("%s/libc.so.6", dir);
    char *text = read_file(stamp, NULL);
    bool ok = text && !strcmp(text, id->build_id) && is_file(lib);
    free(text), free(stamp), free(lib);
    return ok;
}

/* objcopy in cwd (args NULL-terminated, "objcopy" first): true if it succeeded. */
static bool objcopy(const char *cwd, const char *const args[])
{
    char *out = tool_output(cwd, args);
    bool ok = out != NULL;
    free(out);
    return ok;
}

void vglibc_make(const char *support)
{
    struct libc_id id;
    char *dir = xasprintf("%s/" DIR_NAME, support), *next = xasprintf("%s.new", dir);
    char *debug = NULL;
    if (!running_libc(&id) || copy_matches(dir, &id))
        goto out;
    debug = xasprintf("/usr/lib/debug/.build-id/%.2s/%s.debug", id.build_id, id.build_id + 2);
    if (access(debug, R_OK) != 0)
        goto out;
    rm_rf(next);
    if (mkdir_p(next) != 0 || sb_own(next) != 0)
        goto out;
    /* The debug link names a file in the copy's own directory, where Valgrind looks first. */
    if (objcopy(next,
                (const char *const[]){"objcopy", "--strip-debug", debug, "libc.sym.debug", NULL}) &&
        objcopy(next, (const char *const[]){"objcopy", "--remove-section=.note.gnu.build-id",
                                            "--remove-section=.gnu_debuglink",
                                            "--add-gnu-debuglink=libc.sym.debug", id.path,
                                            "libc.so.6", NULL})) {
        char *stamp = xasprintf("%s/build-id", next);
        if (write_file(stamp, id.build_id) == 0 && sb_disown(next) == 0) {
            rm_rf(dir);
            rename(next, dir);
        }
        free(stamp);
    }
    rm_rf(next);
out:
    free(dir), free(next), free(debug);
}

char *vglibc_dir(const char *support)
{
    struct libc_id id;
    char *dir = xasprintf("%s/" DIR_NAME, support);
    if (running_libc(&id) && copy_matches(dir, &id))
        return dir;
    free(dir);
    return NULL;
}
