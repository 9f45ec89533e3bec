# CTest splits a test's name at ';' (a CMake list), so a Catch2 case named with one would be
# registered as fragments that match no case and pass without running. Run as
#   cmake -DDIR=tests -P cmake/check_test_names.cmake
file(GLOB sources "${DIR}/*.cc")
set(bad "")
foreach(source ${sources})
  file(READ "${source}" text)
  # The name is the first string literal after TEST_CASE(, on the same line or the next.
  string(REGEX MATCH "TEST_CASE\\([ \t\r\n]*\"[^\"]*[;][^\"]*\"" found "${text}")
  if(found)
    list(APPEND bad "${source}")
  endif()
endforeach()
if(bad)
  string(REPLACE ";" ", " bad "${bad}")
  message(FATAL_ERROR "a test case name holds ';', which CTest would split, in: ${bad}")
endif()
message(STATUS "no test case name holds ';'")
