{{/* Names, labels, settings and pod pieces shared by the templates. */}}

{{- define "purser.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Object name prefix, at most 44 characters: the Service "<fullname>-controller-metrics" must stay a 63-character DNS
label, and so must the StatefulSet's "<fullname>-redis-<revision hash>" label.
*/}}
{{- define "purser.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 44 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 44 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Selector labels of one component; `dict "root" $ "component" "server"`. */}}
{{- define "purser.selectorLabels" -}}
app.kubernetes.io/name: {{ include "purser.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "purser.labels" -}}
{{ include "purser.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: purser
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}

{{/* Marks the metrics Services, so that a ServiceMonitor selects them and not the server's main Service. */}}
{{- define "purser.metricsServiceLabel" -}}
purser.dev/metrics: "true"
{{- end }}

{{- define "purser.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* PURSER_ISSUER: the value, else the first Ingress host, else the in-cluster Service. */}}
{{- define "purser.issuer" -}}
{{- if .Values.issuer }}
{{- .Values.issuer }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts }}
{{- $host := first .Values.ingress.hosts }}
{{- $scheme := "http" }}
{{- range .Values.ingress.tls }}
{{- if has $host .hosts }}{{ $scheme = "https" }}{{ end }}
{{- end }}
{{- printf "%s://%s" $scheme $host }}
{{- else }}
{{- include "purser.serviceUrl" . }}
{{- end }}
{{- end }}

{{/* The server's in-cluster address. */}}
{{- define "purser.serviceUrl" -}}
{{- $port := int .Values.server.service.port }}
{{- $scheme := ternary "https" "http" (not (empty .Values.server.tls.existingSecret)) }}
{{- $default := ternary 443 80 (not (empty .Values.server.tls.existingSecret)) }}
{{- printf "%s://%s.%s.svc%s" $scheme (include "purser.fullname" .) .Release.Namespace (ternary "" (printf ":%d" $port) (eq $port $default)) }}
{{- end }}

{{- define "purser.redis.url" -}}
{{- if .Values.redis.bundled.enabled }}
{{- printf "redis://%s-redis:6379/0" (include "purser.fullname" .) }}
{{- else }}
{{- .Values.redis.url }}
{{- end }}
{{- end }}

{{/* The Secret with the Redis password, or nothing when Redis needs none. */}}
{{- define "purser.redis.passwordSecret" -}}
{{- if .Values.redis.bundled.enabled }}
{{- .Values.redis.bundled.auth.existingSecret | default (printf "%s-redis" (include "purser.fullname" .)) }}
{{- else }}
{{- .Values.redis.auth.existingSecret }}
{{- end }}
{{- end }}

{{- define "purser.redis.passwordKey" -}}
{{- if .Values.redis.bundled.enabled }}password{{ else }}{{ .Values.redis.auth.key }}{{ end }}
{{- end }}

{{/*
The bundled Redis' maxmemory: redis.bundled.maxmemory, else three quarters of its memory limit (Mi or Gi; Redis' mb is
a MiB). The quarter left over holds what maxmemory does not count: the forked child that rewrites the append-only
file (copy-on-write pages), client and AOF buffers. Nothing without a limit, since then nothing kills Redis for its
size.
*/}}
{{- define "purser.redis.maxmemory" -}}
{{- $bundled := .Values.redis.bundled }}
{{- $limit := dig "limits" "memory" "" ($bundled.resources | default dict) | toString }}
{{- if $bundled.maxmemory }}
{{- $bundled.maxmemory }}
{{- else if regexMatch "^[0-9]+Mi$" $limit }}
{{- div (mul (trimSuffix "Mi" $limit | int64) 3) 4 }}mb
{{- else if regexMatch "^[0-9]+Gi$" $limit }}
{{- mul (trimSuffix "Gi" $limit | int64) 768 }}mb
{{- else if $limit }}
{{- fail (printf "redis.bundled.resources.limits.memory=%s: set redis.bundled.maxmemory (e.g. 192mb, about three quarters of the limit), or write the limit in Mi or Gi so the chart can derive it" $limit) }}
{{- end }}
{{- end }}

{{- define "purser.keysSecret" -}}
{{- .Values.signingKeys.existingSecret | default (printf "%s-keys" (include "purser.fullname" .)) }}
{{- end }}

{{/* Combinations the schema cannot refuse; included by every workload so that `helm template` fails early. */}}
{{- define "purser.validate" -}}
{{- if and .Values.redis.bundled.enabled .Values.redis.url }}
{{- fail "redis.url is set and redis.bundled.enabled is true: set redis.bundled.enabled=false to use your Redis, or leave redis.url empty for the bundled one" }}
{{- end }}
{{- if not (or .Values.redis.bundled.enabled .Values.redis.url) }}
{{- fail "Purser needs Redis: set redis.url (production) or redis.bundled.enabled=true (evaluation)" }}
{{- end }}
{{- if and .Values.redis.bundled.enabled (ne .Values.redis.mode "standalone") }}
{{- fail (printf "redis.mode=%s needs your own Redis in redis.url: the bundled Redis is a single standalone server" .Values.redis.mode) }}
{{- end }}
{{- if and .Values.ingress.enabled (not .Values.ingress.hosts) }}
{{- fail "ingress.enabled=true needs at least one host in ingress.hosts: an Ingress without rules is refused by the API server" }}
{{- end }}
{{- if and (not .Values.controller.leaderElection) (gt (int .Values.controller.replicaCount) 1) }}
{{- fail "controller.leaderElection=false with more than one controller replica: every replica would reconcile at once" }}
{{- end }}
{{- end }}

{{/*
Settings (keys of src/config/settings.ts) as a YAML map; "purser.env" turns them into PURSER_* variables.
The server and the controller share the issuer, Redis, token lifetimes that the controller's key retention
depends on, and logging.
*/}}
{{- define "purser.settings.shared" -}}
{{- $settings := dict
  "issuer" (include "purser.issuer" .)
  "redisUrl" (include "purser.redis.url" .)
  "redisMode" .Values.redis.mode
  "redisKeyPrefix" .Values.redis.keyPrefix
  "redisTimeout" .Values.redis.timeout
  "accessTokenTtl" .Values.tokens.accessTokenTtl
  "idTokenTtl" .Values.tokens.idTokenTtl
  "sessionTtl" .Values.tokens.sessionTtl
  "logLevel" .Values.logLevel
  "logFormat" .Values.logFormat }}
{{- if eq .Values.redis.mode "sentinel" }}
{{- $_ := set $settings "redisSentinelName" .Values.redis.sentinelName }}
{{- end }}
{{- with include "purser.redis.passwordSecret" . }}
{{- $_ := set $settings "redisPasswordFile" (printf "/etc/purser/redis/%s" (include "purser.redis.passwordKey" $)) }}
{{- end }}
{{- toYaml $settings }}
{{- end }}

{{- define "purser.settings.server" -}}
{{- $trustProxy := .Values.server.trustProxy }}
{{- if kindIs "invalid" $trustProxy }}{{ $trustProxy = .Values.ingress.enabled }}{{ end }}
{{- $settings := dict
  "port" 4000
  "metricsPort" 9090
  "trustProxy" $trustProxy
  "jwksFile" "/etc/purser/keys/jwks.json"
  "cookieKeysFile" "/etc/purser/keys/cookie-keys"
  "keysReloadInterval" .Values.server.keysReloadInterval
  "clientCacheNegativeTtl" .Values.server.clientCacheNegativeTtl
  "trustedProxyHops" .Values.server.trustedProxyHops
  "keepAliveTimeout" .Values.server.keepAliveTimeout
  "headersTimeout" .Values.server.headersTimeout
  "requestTimeout" .Values.server.requestTimeout
  "refreshTokenTtl" .Values.tokens.refreshTokenTtl
  "refreshTokenAbsoluteLifetime" .Values.tokens.refreshTokenAbsoluteLifetime
  "authorizationCodeTtl" .Values.tokens.authorizationCodeTtl
  "interactionTtl" .Values.tokens.interactionTtl
  "workloadAudience" .Values.workloadIdentity.audience }}
{{- if .Values.users.existingSecret }}
{{- $_ := set $settings "usersFile" "/etc/purser/users/users.yaml" }}
{{- end }}
{{- if .Values.server.tls.existingSecret }}
{{- $_ := set $settings "tlsCertFile" "/etc/purser/tls/tls.crt" }}
{{- $_ := set $settings "tlsKeyFile" "/etc/purser/tls/tls.key" }}
{{- end }}
{{- toYaml (merge $settings (include "purser.settings.shared" . | fromYaml)) }}
{{- end }}

{{- define "purser.settings.controller" -}}
{{- $settings := dict
  "controllerPort" 8081
  "namespaces" (join "," .Values.controller.namespaces)
  "controllerWorkers" .Values.controller.workers
  "leaderElection" .Values.controller.leaderElection
  "leaseDuration" .Values.controller.leaseDuration
  "leaseNamespace" .Release.Namespace
  "secretRotationOverlap" .Values.controller.secretRotationOverlap
  "resyncPeriod" .Values.controller.resyncPeriod
  "clientIdPatterns" (join "," .Values.tenancy.clientIdPatterns)
  "firstPartyNamespaces" (join "," .Values.tenancy.firstPartyNamespaces)
  "signingKeyRotationPeriod" .Values.signingKeys.rotationPeriod
  "signingKeyRetention" .Values.signingKeys.retention
  "keysPropagationDelay" .Values.signingKeys.propagationDelay
  "manageKeys" (not .Values.signingKeys.existingSecret)
  "keysSecret" (include "purser.keysSecret" .)
  "serviceAccountIssuerRefresh" .Values.workloadIdentity.issuerRefresh }}
{{- if .Values.workloadIdentity.trustedIssuers }}
{{- $_ := set $settings "trustedIssuersFile" "/etc/purser/trusted-issuers/issuers.yaml" }}
{{- end }}
{{- toYaml (merge $settings (include "purser.settings.shared" . | fromYaml)) }}
{{- end }}

{{/*
Settings map → env entries, named the way src/config/settings.ts' envName does (redisUrl → PURSER_REDIS_URL).
Empty values are left out: the server reads an empty variable as unset, so rendering one would only mislead.
*/}}
{{- define "purser.env" -}}
{{- range $key, $value := . }}
{{- if ne (toString $value) "" }}
- name: PURSER_{{ $key | snakecase | upper }}
  value: {{ toString $value | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Pod-level settings every workload shares, and its component's scheduling:
`dict "root" $ "component" "server" "values" .Values.server`. Service links are off: a Service named "purser" would
otherwise inject PURSER_PORT=tcp://... into every pod of the namespace, which the server would read as its port.
*/}}
{{- define "purser.podSpec" -}}
enableServiceLinks: false
{{- with .values.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.topologySpreadConstraints }}
{{- $selector := dict "labelSelector" (dict "matchLabels" (include "purser.selectorLabels" $ | fromYaml)) }}
{{- $constraints := list }}
{{- range . }}
{{- $constraints = append $constraints (merge (dict) . $selector) }}
{{- end }}
topologySpreadConstraints:
  {{- toYaml $constraints | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Volumes of the server and the controller (`dict "root" $ "values" .Values.server`): /tmp (the image writes nothing,
but Node and libraries may want a temp dir), the Redis password Secret, the CA of a TLS Redis, and the component's
extraVolumes.
*/}}
{{- define "purser.volumes" -}}
- name: tmp
  emptyDir: {}
{{- with include "purser.redis.passwordSecret" .root }}
- name: redis-auth
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .root.Values.redis.tls.caSecret }}
- name: redis-ca
  secret:
    secretName: {{ . }}
{{- end }}
{{- with .values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "purser.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "purser.redis.passwordSecret" .root }}
- name: redis-auth
  mountPath: /etc/purser/redis
  readOnly: true
{{- end }}
{{- if .root.Values.redis.tls.caSecret }}
- name: redis-ca
  mountPath: /etc/purser/redis-ca
  readOnly: true
{{- end }}
{{- with .values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Environment both processes get besides their settings: Node trusts the CA of a TLS Redis (rediss://) for every TLS
connection it makes, and the component's extraEnv.
*/}}
{{- define "purser.extraEnv" -}}
{{- with .root.Values.redis.tls.caSecret }}
- name: NODE_EXTRA_CA_CERTS
  value: /etc/purser/redis-ca/{{ $.root.Values.redis.tls.caKey }}
{{- end }}
{{- with .values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* envFrom of the component (extraEnvFrom), when it has any. */}}
{{- define "purser.envFrom" -}}
{{- with .values.extraEnvFrom }}
envFrom:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* Pod template metadata of one component: its selector labels, podLabels and podAnnotations. */}}
{{- define "purser.podMetadata" -}}
labels:
  {{- include "purser.selectorLabels" . | nindent 2 }}
  {{- with .values.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- with .values.podAnnotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
