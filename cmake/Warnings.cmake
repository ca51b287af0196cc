# Picky warnings for our own code; -Werror when WINHTTP_WERROR is on (CI turns it on).
function(winhttp_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(WINHTTP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
