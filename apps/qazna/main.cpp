// The `qazna` binary: everything lives in src/app (app.h) so that tests and other tools reuse it.
#include "app/app.h"

int main(int argc, char** argv) { return qz::app::run_cli(argc, argv); }
