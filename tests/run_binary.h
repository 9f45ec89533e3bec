// The real `creditlog` binary (CREDITLOG_BINARY, set by CMake), run through the shell as a user
// would: its exit code and what it printed on stdout and stderr together.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

namespace creditlog::testing {

struct Run {
  int exit_code;
  std::string output;
};

inline Run RunCommand(const std::string& args) {
  const std::string command = std::string(CREDITLOG_BINARY) + " " + args + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace creditlog::testing
