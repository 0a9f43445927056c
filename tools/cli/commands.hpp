// The vkgan subcommands. Each takes the arguments after its name and returns
// the process exit code; user errors are thrown as vkgan::Error.
#pragma once

namespace vkgan::cli {

int cmd_devices(int argc, char** argv);
int cmd_opcheck(int argc, char** argv);
int cmd_train(int argc, char** argv);
int cmd_sample(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_dump(int argc, char** argv);
int cmd_eval(int argc, char** argv);

}  // namespace vkgan::cli
