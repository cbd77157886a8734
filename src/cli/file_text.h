/* file_text: a whole file read into memory, for the commands that take a document or a body
 * from a file (`policy check|run`, `apply -f`, `named-value set --value-file`...). */
#ifndef MERIDIAN_CLI_FILE_TEXT_H
#define MERIDIAN_CLI_FILE_TEXT_H

#include <stddef.h>
#include <stdio.h>

/* Reads `f` to its end, or until more than `limit` bytes have been read: the rest is left
 * unread (a caller whose loader refuses far smaller documents passes a limit past that
 * loader's, which then says what is too large). Returns the bytes, NUL-terminated and
 * malloc'd, with their count in *len; NULL with errno set (ENOMEM, or EIO on a read error). */
char *cli_read_stream(FILE *f, size_t limit, size_t *len);

/* cli_read_stream of the file at `path`, opened and closed here; NULL with errno set (as
 * fopen left it when the file cannot be opened). */
char *cli_read_file(const char *path, size_t limit, size_t *len);

#endif
