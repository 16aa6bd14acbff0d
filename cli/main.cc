#include "cli/app.h"

int main(int argc, char** argv) { return quarry::cli::main(argc, argv); }
