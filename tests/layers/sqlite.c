/* Must not compile in src/enroll (engine, policy): see tests/CMakeLists.txt. */
#include <sqlite3.h>
