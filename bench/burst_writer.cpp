// Writes the burst: N files in directories of 500 under ROOT, as fast as one process can, each
// with content(i) (the harness computes the same bytes to check every sha256 that arrives).
// Prints the wall seconds of the writing, nothing else.
//   burst_writer ROOT N
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

// 100 B - 3 KB: "file <i>\n" repeated, as burst.py's content().
namespace {
size_t content(long i, char* buf, size_t cap) {
  char line[32];
  const int n = snprintf(line, sizeof line, "file %ld\n", i);
  const size_t target = 100 + static_cast<size_t>(i * 7919 % 2900);
  size_t len = 0;
  while (len + static_cast<size_t>(n) <= target && len + static_cast<size_t>(n) <= cap) {
    memcpy(buf + len, line, static_cast<size_t>(n));
    len += static_cast<size_t>(n);
  }
  return len;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ROOT N\n", argv[0]);
    return 2;
  }
  const char* root = argv[1];
  const long count = std::atol(argv[2]);
  static char buf[4096];
  char path[4096];
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (long i = 0; i < count; ++i) {
    if (i % 500 == 0) {
      snprintf(path, sizeof path, "%s/d%03ld", root, i / 500);
      if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        perror(path);
        return 1;
      }
    }
    snprintf(path, sizeof path, "%s/d%03ld/f%06ld", root, i / 500, i);
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      perror(path);
      return 1;
    }
    const size_t len = content(i, buf, sizeof buf);
    if (write(fd, buf, len) != static_cast<ssize_t>(len) || close(fd) != 0) {
      perror(path);
      return 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%.6f\n",
         static_cast<double>(t1.tv_sec - t0.tv_sec) + static_cast<double>(t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}
