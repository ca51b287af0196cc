#include "windows.h" /* alias: Linux file names are case-sensitive */
