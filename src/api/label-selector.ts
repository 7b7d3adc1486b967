// metav1.LabelSelector semantics as a pure function: every matchLabels pair and every matchExpression must hold.
import type { LabelSelector } from './oauth-api.ts';

/** Whether `labels` satisfy `selector`; the empty selector `{}` matches everything, as in Kubernetes. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const pairsHold = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    pairsHold &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const has = Object.hasOwn(labels, key);
      switch (operator) {
        case 'In':
          return has && values.includes(labels[key]!);
        case 'NotIn':
          return !has || !values.includes(labels[key]!);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          // An operator the schema does not know selects nothing rather than everything.
          return false;
      }
    })
  );
}
