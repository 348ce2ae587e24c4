/* Must not compile in src/enroll or src/store: plain C there. */
#include <openssl/x509.h>
