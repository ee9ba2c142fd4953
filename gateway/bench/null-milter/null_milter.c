/* SPDX-License-Identifier: Apache-2.0
 * The floor to compare the gateway with: a libmilter milter that does nothing but answer
 * "continue" (and accept at end of message). Built and run by run-null-milter.sh.
 * usage: null_milter PORT
 */
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sfsistat eom(SMFICTX *ctx) { (void) ctx; return SMFIS_ACCEPT; }

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    struct smfiDesc desc;
    memset(&desc, 0, sizeof desc);
    desc.xxfi_name = "null";
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = 0;
    desc.xxfi_eom = eom;
    char conn[64];
    snprintf(conn, sizeof conn, "inet:%s@127.0.0.1", argv[1]);
    if (smfi_setconn(conn) == MI_FAILURE || smfi_register(desc) == MI_FAILURE) {
        fprintf(stderr, "cannot set up libmilter on %s\n", conn);
        return 1;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 1;
}
