// Pictures and tables of one program's graph, for `vkgan dump`: Graphviz DOT
// (a cluster per network and role, each node's costs in its label, a white to
// red heat scale when profiled), a self-contained XHTML page holding the
// picture and a sortable table, and the same table as text.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/graph.hpp"
#include "engine/program.hpp"

namespace vkgan {

// What a dump shows beside the graph; every field may be left empty.
struct DumpInfo {
  std::string title;                    // "dcgan28 g-step, batch 64"
  std::map<NodeId, double> time_ns;     // median device time by node; empty: not profiled
  const ProgramStats* stats = nullptr;  // the memory plan; null: not compiled
};

// One node's line of the table.
struct NodeRow {
  NodeId id = 0;
  int64_t params = 0;  // a param node's elements, or those of the params it reads
  Cost cost;
  double time_ns = -1;  // -1: not timed
  double share = 0;     // of the step's device time when timed, else of its FLOPs
};

struct DumpTotals {
  int64_t params = 0;  // every parameter node's elements
  double flops = 0, bytes = 0;
  double time_ns = 0;  // summed over timed nodes
  bool timed = false;
};

// Every node, widest first: the largest time when profiled, else most FLOPs.
std::vector<NodeRow> node_rows(const Graph& g, const DumpInfo& info);
DumpTotals dump_totals(const Graph& g, const DumpInfo& info);

// The graph through boost::write_graphviz: one DOT node per graph node.
void write_dot(std::ostream& out, const Graph& g, const DumpInfo& info);
// `svg` is Graphviz's rendering of write_dot's output; it is inlined whole.
void write_html(std::ostream& out, const Graph& g, const DumpInfo& info, const std::string& svg);
void write_table(std::ostream& out, const Graph& g, const DumpInfo& info);

// Runs Graphviz's `dot -T<format> dot_path` as a child process and returns
// what it prints; throws Error naming the file, with the install hint when
// `dot` is missing.
std::string run_graphviz(const std::string& dot_path, const std::string& format);

// `s` as the inside of a DOT quoted label (escString) / as XML text.
std::string dot_escape(std::string_view s);
std::string xml_escape(std::string_view s);

}  // namespace vkgan
