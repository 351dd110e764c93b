/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Replays inputs through a fuzz target without libFuzzer: each argument is a file
 * or a directory whose regular files are all replayed.  A target that crashes or
 * trips a sanitizer fails the test; the exit status is nonzero when an argument
 * cannot be read or holds no input at all, so a lost corpus does not pass. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Fuzz inputs stay small; a larger file is a mistake in the corpus. */
#define MAX_INPUT_BYTES (1 << 20)

static int
replay_file (const char *path)
{
  static unsigned char buf[MAX_INPUT_BYTES];
  FILE *f = fopen (path, "rb");
  size_t n;

  if (f == NULL) {
    perror (path);
    return -1;
  }
  n = fread (buf, 1, sizeof (buf), f);
  fclose (f);
  /* A private copy of exactly n bytes, so reading past the input is caught. */
  {
    unsigned char *copy = malloc (n > 0 ? n : 1);
    if (copy == NULL)
      return -1;
    memcpy (copy, buf, n);
    LLVMFuzzerTestOneInput (copy, n);
    free (copy);
  }
  return 0;
}

static int
replay (const char *path, unsigned *count)
{
  struct stat st;
  DIR *dir;
  struct dirent *ent;

  if (stat (path, &st) != 0) {
    perror (path);
    return -1;
  }
  if (!S_ISDIR (st.st_mode)) {
    if (replay_file (path) != 0)
      return -1;
    (*count)++;
    return 0;
  }
  dir = opendir (path);
  if (dir == NULL) {
    perror (path);
    return -1;
  }
  while ((ent = readdir (dir)) != NULL) {
    char child[4096];
    if (ent->d_name[0] == '.')
      continue;
    snprintf (child, sizeof (child), "%s/%s", path, ent->d_name);
    if (stat (child, &st) == 0 && S_ISREG (st.st_mode)) {
      if (replay_file (child) != 0) {
        closedir (dir);
        return -1;
      }
      (*count)++;
    }
  }
  closedir (dir);
  return 0;
}

int
main (int argc, char **argv)
{
  unsigned count = 0;
  int i;

  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);
  for (i = 1; i < argc; i++)
    if (replay (argv[i], &count) != 0)
      return 1;
  printf ("%u inputs replayed\n", count);
  return count > 0 ? 0 : 1;
}
