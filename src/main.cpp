// dlenv: the thin executable over libdlenv's command line.
#include "cli/app.hpp"

int main(int argc, char** argv) { return dlenv::cli::run(argc, argv); }
