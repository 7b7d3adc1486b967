// Prometheus metrics of the controller, in a registry of its own.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export function createControllerMetrics() {
  const registry = new Registry();
  return {
    registry,
    reconciles: new Counter({ name: 'purser_controller_reconcile_total', help: 'Reconciles by result (ok, requeue, retry, error).', labelNames: ['result'], registers: [registry] }),
    reconcileSeconds: new Histogram({ name: 'purser_controller_reconcile_duration_seconds', help: 'Time one reconcile takes.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    queueDepth: new Gauge({ name: 'purser_controller_queue_depth', help: 'OAuthClients waiting to be reconciled.', registers: [registry] }),
    leader: new Gauge({ name: 'purser_controller_is_leader', help: '1 on the replica that holds the Lease.', registers: [registry] }),
    orphansRemoved: new Counter({ name: 'purser_controller_orphan_records_removed_total', help: 'Client records removed because their OAuthClient was gone.', registers: [registry] }),
  };
}

export type ControllerMetrics = ReturnType<typeof createControllerMetrics>;
