#include "cli/file_text.h"

#include <errno.h>
#include <stdlib.h>

char *cli_read_stream(FILE *f, size_t limit, size_t *len)
{
    size_t cap = 64 * 1024, n = 0;
    char *data = malloc(cap + 1);
    while (data) {
        n += fread(data + n, 1, cap - n, f);
        if (n < cap || n > limit) break; /* the end of the file, or enough */
        char *bigger = realloc(data, cap * 2 + 1);
        if (!bigger) {
            free(data);
            data = NULL;
            break;
        }
        data = bigger;
        cap *= 2;
    }
    if (!data) {
        errno = ENOMEM;
        return NULL;
    }
    if (ferror(f)) {
        free(data);
        errno = EIO;
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

char *cli_read_file(const char *path, size_t limit, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *data = cli_read_stream(f, limit, len);
    int saved_errno = errno;
    fclose(f);
    errno = saved_errno;
    return data;
}
