/* Renames the freestanding libc so the test can run it next to glibc's. */
#define memcpy	ours_memcpy
#define memmove ours_memmove
#define memset	ours_memset
#define memcmp	ours_memcmp
#define memchr	ours_memchr
#define strlen	ours_strlen
#define strnlen ours_strnlen
#define strcmp	ours_strcmp
#define strncmp ours_strncmp
#define strchr	ours_strchr
#define strrchr ours_strrchr
#define strtoul ours_strtoul
