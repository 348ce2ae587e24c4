/* Must not compile in src/scep: the codec knows no store. */
#include "store.h"
