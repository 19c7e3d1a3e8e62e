#pragma once
// The pieces of the report document shared by its builders (report/document.cpp for runs,
// scenarios and host facts; report/gates.cpp for sweeps and checks).
#include <string>
#include <utility>
#include <vector>

#include "compare/check.hpp"
#include "compare/sweep.hpp"
#include "report/document.hpp"
#include "report/input.hpp"
#include "workloads/result.hpp"

namespace mmtune::report {

// A run's section (verdict, parameters, bounds, measurements beside predictions, phases,
// explanation, notes) followed by one level-3 section per plot. params: the parameters as typed,
// shown when the result records none.
void add_run(ReportDocument& doc, const std::string& title,
             const std::vector<std::pair<std::string, std::string>>& params,
             const workloads::Result& r);

// The numbers behind a plot, for Markdown readers and for the record: per line its sample count,
// first, lowest, highest and last value; per horizontal line its value.
ReportTable plot_table(const Plot& plot);

// The sweep: its design and significance rule, every run's status, one section per metric (the
// table across settings and a plot of the samples per repeat), then the first repeat of each
// setting as a run with its time-series plots.
void add_sweep(ReportDocument& doc, const compare::SweepResult& sweep);

// The check: its counts and rule, every test, the performance verdicts, and per metric a plot of
// the baseline's samples and this host's against the baseline median and the regression limit.
void add_check(ReportDocument& doc, const compare::CheckReport& check);

// The search: its design, the best with its estimate and comparison, the model's thresholds, the
// convergence plot (the objective per trial and the best-so-far line), the explored space (each
// numeric knob's value per trial), every trial with why it was chosen.
void add_optimize(ReportDocument& doc, const OptimizeDocument& search);

}  // namespace mmtune::report
