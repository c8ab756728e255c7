/* stubsum.h - is a submitted file still the kit's stub, even where the kit is the submission?
 *
 * A student edits the kit's own labs/NN-name/STUB in place (make grade grades labs/): the kit's
 * copy of the stub is then the student's work, and comparing the two tells nothing. So lab.conf
 * records the stub as shipped, `stub_sum` (a 64-bit FNV-1a hash of its bytes, written by make
 * tables and checked by make test), and a file whose hash is that is untouched. A lab.conf
 * without it falls back to comparing with the kit's stub file, unless that is the submitted
 * file itself: then the lab is graded (never a student's work taken for the stub).
 */
#ifndef STUBSUM_H
#define STUBSUM_H

#include <stdbool.h>
#include <stddef.h>

#include "labconf.h"

/* The 16 hex digits of len bytes' FNV-1a 64 hash (a static buffer). */
const char *stub_sum(const char *data, size_t len);

/* Is staged (the copy of the submitted file in the build directory) the lab's stub as shipped?
 * submitted is where it was copied from. */
bool stub_untouched(const struct lab *lab, const char *submitted, const char *staged);

#endif
