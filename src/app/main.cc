#include <csignal>

namespace gatehouse::app {
int RunCli(int argc, char** argv);
}

int main(int argc, char** argv) {
  // A client that disappears mid-response must not kill the server.
  std::signal(SIGPIPE, SIG_IGN);
  return gatehouse::app::RunCli(argc, argv);
}
