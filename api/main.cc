#include "api/cli/cli.h"
#include "api/malloc_conf.h"

int main(int argc, char** argv) { return creditlog::api::RunCli(argc, argv); }
