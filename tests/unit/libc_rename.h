/* Renames the freestanding libc so the test can run it next to glibc's. */
#define memcpy	sc_test_memcpy
#define memmove sc_test_memmove
#define memset	sc_test_memset
#define memcmp	sc_test_memcmp
#define memchr	sc_test_memchr
#define strlen	sc_test_strlen
#define strnlen sc_test_strnlen
#define strcmp	sc_test_strcmp
#define strncmp sc_test_strncmp
#define strchr	sc_test_strchr
#define strrchr sc_test_strrchr
#define strtoul sc_test_strtoul
