/* Must not compile in src/enroll, http, cmd or store: plain C there. */
#include <openssl/x509.h>
