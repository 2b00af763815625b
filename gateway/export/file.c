/* Export files written atomically: a temporary in the target directory (so the rename cannot
 * cross file systems), hashed while it is written, fsynced, renamed without replacing anything,
 * and the directory fsynced so the new name survives a crash. A handle freed before it was
 * published removes its temporary: a failed run leaves nothing behind. */
#include "gateway/common/mem.h"
#include "gateway/export/export.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

struct sgw_export_file {
    int fd;
    char dir[PATH_MAX];
    char base[256];
    char tmp[PATH_MAX]; /* "" once renamed */
    EVP_MD_CTX *md;
    uint64_t bytes;
};

struct sgw_export_file *
sgw_export_file_open(const char *dir, const char *base, char *err, size_t errsz)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        snprintf(err, errsz, "output directory %s: %s", dir, strerror(errno));
        return NULL;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errsz, "output directory %s: not a directory", dir);
        return NULL;
    }
    struct sgw_export_file *f = sgw_xcalloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    snprintf(f->base, sizeof f->base, "%s", base);
    int n = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.XXXXXX", dir, base);
    if (n < 0 || (size_t)n >= sizeof f->tmp) {
        snprintf(err, errsz, "output directory %s: path too long", dir);
        free(f);
        return NULL;
    }
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        snprintf(err, errsz, "output directory %s: cannot create a file there: %s", dir,
                 strerror(errno));
        free(f);
        return NULL;
    }
    /* mkstemp makes it 0600; exports are meant to be picked up by other users of the group. */
    (void)fchmod(f->fd, 0640);
    f->md = EVP_MD_CTX_new();
    if (f->md == NULL || EVP_DigestInit_ex(f->md, EVP_sha256(), NULL) != 1)
        abort(); /* out of memory */
    return f;
}

const char *
sgw_export_file_base(const struct sgw_export_file *f)
{
    return f->base;
}

int
sgw_export_file_write(struct sgw_export_file *f, const void *buf, size_t len, char *err,
                      size_t errsz)
{
    const char *p = buf;
    EVP_DigestUpdate(f->md, buf, len);
    f->bytes += len;
    while (len > 0) {
        ssize_t w = write(f->fd, p, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errsz, "writing %s: %s", f->tmp, strerror(errno));
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int
sgw_export_file_sync(struct sgw_export_file *f, char sha256_hex[65], uint64_t *bytes, char *err,
                     size_t errsz)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dl = 0;
    if (fsync(f->fd) != 0) {
        snprintf(err, errsz, "fsync %s: %s", f->tmp, strerror(errno));
        return -1;
    }
    EVP_DigestFinal_ex(f->md, d, &dl);
    for (unsigned i = 0; i < dl && i < 32; i++)
        snprintf(sha256_hex + 2 * i, 3, "%02x", d[i]);
    sha256_hex[64] = '\0';
    *bytes = f->bytes;
    return 0;
}

static int
fsync_dir(const char *dir, char *err, size_t errsz)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        snprintf(err, errsz, "fsync directory %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        return -1;
    }
    close(dfd);
    return 0;
}

int
sgw_export_file_publish(struct sgw_export_file *f, int replace, char *path, size_t pathsz,
                        char *err, size_t errsz)
{
    char final[PATH_MAX];
    const char *dot = strchr(f->base, '.');
    size_t stem = dot ? (size_t)(dot - f->base) : strlen(f->base);

    for (int i = 0; i < 1000; i++) {
        int n = i == 0 ? snprintf(final, sizeof final, "%s/%s", f->dir, f->base)
                       : snprintf(final, sizeof final, "%s/%.*s-%d%s", f->dir, (int)stem, f->base,
                                  i, dot ? dot : "");
        if (n < 0 || (size_t)n >= sizeof final) {
            snprintf(err, errsz, "output path too long in %s", f->dir);
            return -1;
        }
        int r = replace ? rename(f->tmp, final)
                        : renameat2(AT_FDCWD, f->tmp, AT_FDCWD, final, RENAME_NOREPLACE);
        if (r == 0) {
            f->tmp[0] = '\0';
            snprintf(path, pathsz, "%s", final);
            return fsync_dir(f->dir, err, errsz);
        }
        if (errno != EEXIST || replace)
            break;
    }
    snprintf(err, errsz, "renaming %s to %s: %s", f->tmp, final, strerror(errno));
    return -1;
}

void
sgw_export_file_free(struct sgw_export_file *f)
{
    if (f == NULL)
        return;
    if (f->fd >= 0)
        close(f->fd);
    if (f->tmp[0] != '\0')
        unlink(f->tmp);
    EVP_MD_CTX_free(f->md);
    free(f);
}
