#include "api/cli/cli.h"

int main(int argc, char** argv) { return creditlog::api::RunCli(argc, argv); }
