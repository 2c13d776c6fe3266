"""MetricFlow behind mfgate's engine protocol: one Adapter per process.

Adapter.load builds MetricFlow's engine once, the way the `mf` CLI's
configuration does (profile, project, adapter, connection check, semantic
manifest), but with the profile the worker handed over (engine_profile.py),
the dbt target the worker was given — the CLI always uses the profile's
default — and without the CLI's update check. Every statement MetricFlow
sends to the warehouse goes through warehouse_guard.GuardedSqlClient.
Adapter.handle answers one EngineRequest; Adapter.cancel, from another
thread, stops the one it is serving (warehouse_guard.Cancellation). Every
exception becomes an ErrorDetail; nothing here writes to the frame stream.
"""

import datetime
import decimal
import hashlib
import importlib.metadata
import os
import pathlib
import traceback

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

from dbt.adapters.factory import get_adapter_by_type  # noqa: E402
from dbt_metricflow.cli.dbt_connectors.adapter_backed_client import (  # noqa: E402
    AdapterBackedSqlClient)
from dbt_metricflow.cli.dbt_connectors.dbt_config_accessor import dbtArtifacts  # noqa: E402
from metricflow.engine.metricflow_engine import (  # noqa: E402
    MetricFlowEngine, MetricFlowQueryRequest)
from metricflow_semantics.model.dbt_manifest_parser import (  # noqa: E402
    parse_manifest_from_dbt_generated_manifest)
from metricflow_semantics.model.semantic_manifest_lookup import (  # noqa: E402
    SemanticManifestLookup)
from metricflow.validation.data_warehouse_model_validator import (  # noqa: E402
    DataWarehouseModelValidator)
from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (  # noqa: E402
    SemanticManifestValidator)
from metricflow_semantic_interfaces.validations.validator_helpers import (  # noqa: E402
    SemanticManifestValidationResults)
from metricflow_semantics.errors.error_classes import InvalidQueryException  # noqa: E402

import engine_profile  # noqa: E402
import query_encoding  # noqa: E402
import warehouse_guard  # noqa: E402
from mf_messages import close_names, suggestions_of, summary_of  # noqa: E402
from project_loader import (  # noqa: E402
    MANIFEST, fresh_manifest, load_project_metadata)

GRANULARITIES = ["nanosecond", "microsecond", "millisecond", "second", "minute",
                 "hour", "day", "week", "month", "quarter", "year"]
# How many dimensions a metric lists unless show_all_dimensions (as `mf`).
DIMENSIONS_SHOWN = 5
# An entity that several semantic models define is described by the model
# where it is the most specific.
ENTITY_TYPE_RANK = {"PRIMARY": 0, "UNIQUE": 1, "NATURAL": 2, "FOREIGN": 3}
# Requests whose answer has a part beside EngineResponse's oneof: a query's
# rows, column by column (query_columns).
ANSWERS_BESIDE_THE_ONEOF = {"query"}


def parse_time(text):
    return datetime.datetime.fromisoformat(text) if text else None


class Adapter:
    """MetricFlow's engine and SQL client for one dbt project."""

    def __init__(self, artifacts, pb, manifest_json):
        self._pb = pb
        self._manifest = artifacts.semantic_manifest
        client = AdapterBackedSqlClient(artifacts.adapter)
        self.adapter_type = client.sql_engine_type.name.lower()
        self._cancellation = warehouse_guard.Cancellation(self.adapter_type)
        self._sql_client = warehouse_guard.GuardedSqlClient(
            client, artifacts.adapter, self.adapter_type, self._cancellation)
        self.mf = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(artifacts.semantic_manifest),
            sql_client=self._sql_client)
        self.metricflow_version = importlib.metadata.version("metricflow")
        self.dbt_version = importlib.metadata.version("dbt-core")
        self.manifest_sha256 = hashlib.sha256(manifest_json).hexdigest()

    @classmethod
    def load(cls, args, pb, bootstrap):
        """`bootstrap`: the worker's EngineBootstrap (the profile). dbt is
        pointed at the scratch directory for profiles: it reads none there."""
        project = pathlib.Path(args.project_dir).resolve()
        scratch = pathlib.Path(args.scratch_dir).resolve()
        profiles = scratch
        engine_profile.install(bootstrap, project, args.target)
        manifest_path = fresh_manifest(project, profiles, args.target, scratch)
        metadata = load_project_metadata(project, profiles, args.target)
        # dbtArtifacts.load_from_project_metadata would read the manifest from
        # <project>/target only; this one may be in the scratch directory.
        manifest_json = manifest_path.read_bytes()
        artifacts = dbtArtifacts(
            profile=metadata.profile, project=metadata.project,
            adapter=get_adapter_by_type(metadata.profile.credentials.type),
            semantic_manifest=parse_manifest_from_dbt_generated_manifest(
                manifest_json_string=manifest_json.decode()))
        adapter = cls(artifacts, pb, manifest_json)
        adapter.mf.list_metrics()  # Warm MetricFlow's caches before `ready`.
        return adapter

    # --- dispatch --------------------------------------------------------

    def cancel(self, request_id):
        """Stops request `request_id` if it is the one being served; from
        any thread."""
        self._cancellation.cancel(request_id)

    def handle(self, request, response):
        kind = request.WhichOneof("request")
        handler = getattr(self, f"_{kind}", None) if kind else None
        if handler is None:
            self._fail(response, self._pb.ErrorDetail.INVALID_ARGUMENT,
                       f"unsupported request: {kind or 'empty'}")
            return
        self._cancellation.begin(request.id)
        warehouse_guard.Deadline.set(request.deadline_ms)
        # A oneof is unset until a field of its message is: an answer that
        # found nothing (a search matching no metric) is still an answer.
        getattr(response, kind).SetInParent()
        # A handler whose answer has a part beside the oneof gets the whole
        # response too.
        beside = (response,) if kind in ANSWERS_BESIDE_THE_ONEOF else ()
        try:
            handler(getattr(request, kind), getattr(response, kind), request, *beside)
        except InvalidQueryException as error:
            response.ClearField(kind)  # A failed request has no answer.
            response.ClearField("query_columns")
            text = str(error)
            code, field = self._classify(text)
            if kind == "list_dimension_values" and field in ("group_by", ""):
                field = "dimension"  # The one name such a request holds.
            suggestions = (suggestions_of(text) if field != "saved_query"
                           else close_names(text, "known saved queries:"))
            self._fail(response, code, summary_of(text), field, suggestions)
        except Exception as error:  # Warehouse and MetricFlow errors.
            response.ClearField(kind)
            response.ClearField("query_columns")
            if self._cancellation.requested():  # What the interrupt raised.
                self._fail(response, self._pb.ErrorDetail.CANCELLED,
                           "the request was cancelled")
                return
            traceback.print_exc()
            name = type(error).__name__
            code = (self._pb.ErrorDetail.ENGINE_ERROR if "Runtime" in name or "Database" in name
                    or "Sql" in name else self._pb.ErrorDetail.INTERNAL)
            self._fail(response, code, f"{name}: {' '.join(str(error).split())}"[:4000])

    def _classify(self, text):
        pb = self._pb.ErrorDetail
        if "known metrics" in text:
            return pb.NOT_FOUND, "metrics"
        if "saved quer" in text.lower():
            return pb.NOT_FOUND, "saved_query"
        if "WhereFilter" in text:
            return pb.INVALID_ARGUMENT, "where"
        if "group-by-item" in text:
            return pb.NOT_FOUND, "group_by"
        if "order" in text.lower():
            return pb.INVALID_ARGUMENT, "order_by"
        return pb.INVALID_ARGUMENT, ""

    @staticmethod
    def _fail(response, code, message, field="", suggestions=()):
        response.error.code = code
        response.error.message = message
        response.error.field = field
        response.error.suggestions.extend(suggestions)

    # --- handlers: (request part, response part, whole request) ----------

    # The worker applies a list request's search and limit to the full list
    # answered here (worker/service/list_filters.h).

    def _list_metrics(self, req, out, _):
        for metric in self.mf.list_metrics():
            item = out.metrics.add(name=metric.name, type=metric.type.name,
                                   description=metric.description or "",
                                   label=metric.label or "")
            names = sorted({d.granularity_free_dunder_name for d in metric.dimensions})
            item.dimensions.extend(names if req.show_all_dimensions else names[:DIMENSIONS_SHOWN])

    def _list_dimensions(self, req, out, _):
        if req.metrics:
            dimensions = self.mf.simple_dimensions_for_metrics(list(req.metrics))
        else:
            # Every dimension: usable with at least one metric (metric_time,
            # multi-hop paths), or defined in a semantic model. MetricFlow's
            # own list holds only the latter.
            dimensions = [dim for metric in self.mf.list_metrics()
                          for dim in self.mf.simple_dimensions_for_metrics([metric.name])]
            dimensions += self.mf.list_dimensions()
            dimensions.sort(key=lambda dim: dim.granularity_free_dunder_name)
        seen = set()
        for dim in dimensions:
            name = dim.granularity_free_dunder_name
            if name in seen:
                continue
            seen.add(name)
            item = out.dimensions.add(name=name, qualified_name=dim.dunder_name,
                                      type=dim.type.name, description=dim.description or "")
            grain = getattr(getattr(dim, "type_params", None), "time_granularity", None)
            if grain is not None and grain.value in GRANULARITIES:
                item.granularities.extend(GRANULARITIES[GRANULARITIES.index(grain.value):])

    def _list_entities(self, req, out, _):
        if req.metrics:
            entities = self.mf.entities_for_metrics(list(req.metrics))
        else:
            # Every entity of every semantic model (MetricFlow's entities of
            # all metrics are only those every metric shares).
            entities = sorted(
                (e for model in self._manifest.semantic_models for e in model.entities),
                key=lambda e: (e.name, ENTITY_TYPE_RANK.get(e.type.name, 9)))
        seen = set()
        for entity in entities:
            if entity.name not in seen:
                seen.add(entity.name)
                out.entities.add(name=entity.name, type=entity.type.name,
                                 description=entity.description or "")

    def _list_dimension_values(self, req, out, _):
        out.dimension = req.dimension
        # Without metrics MetricFlow reads the dimension's semantic model.
        values = self.mf.get_dimension_values(
            metric_names=list(req.metrics), get_group_by_values=req.dimension,
            time_constraint_start=parse_time(req.start_time),
            time_constraint_end=parse_time(req.end_time))
        for value in values:
            self._set_value(out.values.add(), value)

    def _list_saved_queries(self, _req, out, __):
        for saved in self.mf.list_saved_queries():
            params = saved.query_params
            item = out.saved_queries.add(name=saved.name, description=saved.description or "",
                                         label=saved.label or "")
            item.metrics.extend(params.metrics)
            item.group_by.extend(params.group_by)
            if params.where is not None:
                item.where.extend(w.where_sql_template for w in params.where.where_filters)

    def _list_semantic_models(self, _req, out, __):
        for model in self._manifest.semantic_models:
            relation = model.node_relation
            out.semantic_models.add(
                name=model.name, description=model.description or "",
                relation=relation.relation_name or f"{relation.schema_name}.{relation.alias}",
                entities=[e.name for e in model.entities],
                dimensions=[d.name for d in model.dimensions],
                measures=[m.name for m in model.measures])

    def _semantic_index(self, _req, out, __):
        """The answers of the metadata handlers, computed by the handlers
        themselves: the worker answers metadata calls from them."""
        request = self._pb.ListMetricsRequest(show_all_dimensions=True)
        self._list_metrics(request, out.metrics, None)
        self._list_dimensions(self._pb.ListDimensionsRequest(), out.dimensions, None)
        self._list_entities(self._pb.ListEntitiesRequest(), out.entities, None)
        self._list_saved_queries(None, out.saved_queries, None)
        self._list_semantic_models(None, out.semantic_models, None)
        # An empty list is an answer too: the worker answers only the lists
        # an index holds (worker/service/index_answers.h).
        for part in ("metrics", "dimensions", "entities", "saved_queries", "semantic_models"):
            getattr(out, part).SetInParent()
        tables = {"dimension_table": {}, "entity_table": {}}

        def index_of(table, item):
            key = item.SerializeToString(deterministic=True)
            if key not in tables[table]:
                tables[table][key] = len(tables[table])
                getattr(out, table).add().CopyFrom(item)
            return tables[table][key]

        for metric in out.metrics.metrics:
            dimensions = self._pb.ListDimensionsResponse()
            self._list_dimensions(self._pb.ListDimensionsRequest(metrics=[metric.name]),
                                  dimensions, None)
            entities = self._pb.ListEntitiesResponse()
            self._list_entities(self._pb.ListEntitiesRequest(metrics=[metric.name]),
                                entities, None)
            links = out.links.add(metric=metric.name)
            links.dimensions.extend(index_of("dimension_table", d) for d in dimensions.dimensions)
            links.entities.extend(index_of("entity_table", e) for e in entities.entities)

    def _query(self, req, out, request, response):
        mf_request = MetricFlowQueryRequest.create(
            saved_query_name=req.saved_query or None,
            metric_names=list(req.metrics) or None,
            group_by_names=list(req.group_by) or None,
            limit=req.limit or None,
            time_constraint_start=parse_time(req.start_time),
            time_constraint_end=parse_time(req.end_time),
            where_constraints=[req.where] if req.where else None,
            order_by_names=list(req.order_by) or None)
        if req.compile_only:
            explained = self.mf.explain(mf_request=mf_request)
            statement = explained.sql_statement
            out.sql = statement.sql if req.show_sql_descriptions else statement.without_descriptions.sql
            if req.show_dataflow_plan:
                out.dataflow_plan = explained.dataflow_plan.structure_text()
            return
        result = self.mf.query(mf_request=mf_request)
        out.sql = result.sql
        if req.show_dataflow_plan:
            out.dataflow_plan = result.dataflow_plan.structure_text()
        table = result.result_df
        rows = list(table.rows)
        cap = request.max_rows
        if cap > 0 and len(rows) > cap:
            rows, out.truncated = rows[:cap], True
        truncated = out.truncated  # By max_rows alone.
        for index, name in enumerate(table.column_names):
            sample = next((row[index] for row in rows if row[index] is not None), None)
            out.columns.add(name=name, type=self._type_of(sample))
        # Column by column when every column holds one kind of value (far
        # cheaper to build), else row by row (query_encoding.py).
        try:
            query_encoding.encode_columns(out, response.query_columns, rows,
                                          request.max_response_bytes)
        except Exception:  # A column mixing kinds, an int beyond int64...
            response.ClearField("query_columns")
            out.truncated = truncated
            query_encoding.encode_rows(out, rows, request.max_response_bytes)

    def _validate_configs(self, req, out, _):
        manifest = self._manifest
        results = SemanticManifestValidator(
            max_workers=max(1, req.semantic_validation_workers)).validate_semantic_manifest(manifest)
        if not req.skip_dw:
            validator = DataWarehouseModelValidator(sql_client=self._sql_client)
            timeout = req.dw_timeout or None
            results = SemanticManifestValidationResults.merge([results] + [
                check(manifest, timeout) for check in (
                    validator.validate_semantic_models, validator.validate_dimensions,
                    validator.validate_entities, validator.validate_simple_metrics,
                    validator.validate_metrics)])
        out.ok = not results.has_blocking_issues
        issues = list(results.errors)
        if req.show_all:
            issues += list(results.warnings) + list(results.future_errors)
        for issue in issues:
            out.issues.add(level=issue.level.name, message=issue.message,
                           context=issue.context.context_str() if issue.context else "")
        out.summary = (f"errors: {len(results.errors)}, warnings: {len(results.warnings)}, "
                       f"future errors: {len(results.future_errors)}")

    def _health_checks(self, _req, out, __):
        # What `mf health-checks` runs.
        name = f"{self._sql_client.sql_engine_type} - SELECT 1"
        try:
            self._sql_client.query("SELECT 1")
            out.checks.add(name=name, ok=True, detail="SUCCESS")
        except Exception as error:  # Reported, not raised: a failed check is a result.
            out.checks.add(name=name, ok=False, detail=" ".join(str(error).split())[:2000])

    # --- values ----------------------------------------------------------

    @staticmethod
    def _type_of(value):
        if isinstance(value, bool):
            return "BOOLEAN"
        if isinstance(value, int):
            return "INTEGER"
        if isinstance(value, (float, decimal.Decimal)):
            return "NUMBER"
        if isinstance(value, datetime.datetime):
            return "TIMESTAMP"
        if isinstance(value, datetime.date):
            return "DATE"
        if isinstance(value, str):
            return "STRING"
        return "UNKNOWN"

    @staticmethod
    def _set_value(target, value):
        query_encoding.set_value(target, value)
