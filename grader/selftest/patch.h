/* patch.h - a small, strict reader of unified diffs: the self-test stores each mutant, variant
 * and cheat as a patch against the lab's reference solution, and applies it at `make test` time.
 */
#ifndef PATCH_H
#define PATCH_H

/* The free text before the patch's "--- " line (its header: MUTANT:, CAUGHT-BY:...), newly
 * allocated; the whole text if there is no "--- " line. */
char *patch_preamble(const char *patch);

/* Applies `patch`, a unified diff of one file, to the text `base`. Strict: every hunk must match
 * `base` exactly at the line its @@ header names (no offset, no fuzz, whitespace counts), hunks
 * come in order, and the counts in each @@ header must match its lines. Returns the new text
 * (newly allocated), or NULL with *err (newly allocated) naming the hunk and what is wrong. */
char *patch_apply(const char *base, const char *patch, char **err);

#endif
