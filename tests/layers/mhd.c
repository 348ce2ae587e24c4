/* Must not compile in src/enroll: HTTP stays in src/http. */
#include <microhttpd.h>
