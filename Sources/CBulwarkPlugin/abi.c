/* The plugin ABI is header-only; SwiftPM needs one source file to make this a C target. */
#include "bulwark_plugin.h"
