#include "winhttp.h" /* alias: Linux file names are case-sensitive */
