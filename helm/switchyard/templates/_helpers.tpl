{{/*
Names. "<release>-<chart>" unless the release name already contains the chart name, truncated to 63
characters because names end up in DNS labels.
*/}}
{{- define "switchyard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchyard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's objects: "<fullname>-<component>". Call with (list $ "data-plane"). */}}
{{- define "switchyard.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "switchyard.fullname" $root | trunc 45 | trimSuffix "-") (index . 1) -}}
{{- end -}}

{{/* Selector labels of one component; these never change after install (selectors are immutable). */}}
{{- define "switchyard.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ include "switchyard.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* The recommended app.kubernetes.io labels, for every object. Call with (list $ "<component>"). */}}
{{- define "switchyard.labels" -}}
{{- $root := index . 0 -}}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "switchyard.selectorLabels" . }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: switchyard
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Image of a plane: (list $ "controlPlane" "control-plane"). */}}
{{- define "switchyard.image" -}}
{{- $root := index . 0 -}}
{{- $plane := index $root.Values (index . 1) -}}
{{- $repo := $plane.image.repository | default (printf "%s/%s" $root.Values.image.registry (index . 2)) -}}
{{- $tag := $plane.image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{- define "switchyard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "switchyard.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{/* True when at least one secret is given as a literal value, so the chart writes its own Secret. */}}
{{- define "switchyard.chartSecret" -}}
{{- range $entry := list "adminToken" "nodeToken" "nodeTokenPrevious" "masterKey" "databaseUrl" "redisUrl" "snapshotKey" "redisPassword" "redisSentinelPassword" -}}
{{- if (index $.Values.secrets $entry).value -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Where one secret comes from: its own value (the chart's Secret), its own existingSecret, or the shared one.
Call with (list $ "adminToken" "ADMIN_TOKEN"); renders an EnvVar. An optional secret (fourth element true)
is read from the shared Secret only if that Secret has the key, and left unset without a shared Secret.
*/}}
{{- define "switchyard.secretEnv" -}}
{{- $root := index . 0 -}}
{{- $entry := index $root.Values.secrets (index . 1) -}}
{{- $envName := index . 2 -}}
{{- $optional := gt (len .) 3 -}}
{{- $name := "" -}}
{{- $key := $entry.key -}}
{{- $fromShared := false -}}
{{- if $entry.value -}}
{{- $name = include "switchyard.fullname" $root -}}
{{- $key = $envName -}}
{{- else if $entry.existingSecret -}}
{{- $name = $entry.existingSecret -}}
{{- else if $optional -}}
{{- $name = $root.Values.secrets.existingSecret -}}
{{- $fromShared = true -}}
{{- else -}}
{{- $name = required (printf "secrets.%s: set its value or existingSecret, or secrets.existingSecret" (index . 1)) $root.Values.secrets.existingSecret -}}
{{- end -}}
{{- if $name }}
- name: {{ $envName }}
  valueFrom:
    secretKeyRef:
      name: {{ $name }}
      key: {{ $key }}
      {{- if $fromShared }}
      optional: true
      {{- end }}
{{- end }}
{{- end -}}

{{/* The migration Job is a pre-install/pre-upgrade hook only when the database exists before the release does. */}}
{{- define "switchyard.migrationsAsHook" -}}
{{- if and .Values.migrations.enabled (not .Values.postgresql.enabled) -}}true{{- end -}}
{{- end -}}

{{/*
Termination grace of a plane: preStop sleep + shutdown grace + 5 s, or the configured value, which must leave
the app its full shutdown grace. Call with (list $ "dataPlane").
*/}}
{{- define "switchyard.terminationGrace" -}}
{{- $plane := index (index . 0).Values (index . 1) -}}
{{- $needed := add $plane.preStopSleepSeconds (div (add $plane.config.shutdownGraceMs 999) 1000) 1 -}}
{{- if kindIs "invalid" $plane.terminationGracePeriodSeconds -}}
{{- add $needed 4 -}}
{{- else if lt (int $plane.terminationGracePeriodSeconds) (int $needed) -}}
{{- fail (printf "%s.terminationGracePeriodSeconds must be at least %d (preStopSleepSeconds + shutdownGraceMs + 1 s)" (index . 1) $needed) -}}
{{- else -}}
{{- $plane.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* Topology spread constraints with this component's labelSelector filled in. Call with (list $ "dataPlane" "data-plane"). */}}
{{- define "switchyard.topologySpread" -}}
{{- $root := index . 0 -}}
{{- $plane := index $root.Values (index . 1) -}}
{{- range $plane.topologySpreadConstraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" (include "switchyard.selectorLabels" (list $root (index $ 2)) | fromYaml)) }}
{{- end }}
- {{ toYaml $c | nindent 2 | trim }}
{{- end }}
{{- end -}}

{{/* Pod-level settings shared by both planes. Call with (list $ "dataPlane"). */}}
{{- define "switchyard.podScheduling" -}}
{{- $root := index . 0 -}}
{{- $plane := index $root.Values (index . 1) -}}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $plane.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $plane.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $plane.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $plane.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Ingress annotations: cert-manager issuer and ingress-nginx settings for streaming. Call with (list $ .ingressValues). */}}
{{- define "switchyard.ingressAnnotations" -}}
{{- $root := index . 0 -}}
{{- $ing := index . 1 -}}
{{- $a := dict -}}
{{- with $root.Values.ingress.certManager.clusterIssuer }}{{ $_ := set $a "cert-manager.io/cluster-issuer" . }}{{ end -}}
{{- with $root.Values.ingress.certManager.issuer }}{{ $_ := set $a "cert-manager.io/issuer" . }}{{ end -}}
{{- if $root.Values.ingress.nginx.enabled -}}
{{- $timeout := printf "%d" (int64 $root.Values.ingress.nginx.streamTimeoutSeconds) -}}
{{- $_ := set $a "nginx.ingress.kubernetes.io/proxy-body-size" (printf "%d" (int64 $root.Values.dataPlane.config.maxRequestBodyBytes)) -}}
{{- $_ := set $a "nginx.ingress.kubernetes.io/proxy-read-timeout" $timeout -}}
{{- $_ := set $a "nginx.ingress.kubernetes.io/proxy-send-timeout" $timeout -}}
{{- $_ := set $a "nginx.ingress.kubernetes.io/proxy-buffering" "off" -}}
{{- $_ := set $a "nginx.ingress.kubernetes.io/proxy-request-buffering" "off" -}}
{{- end -}}
{{- $a = merge (deepCopy $ing.annotations) $a -}}
{{- if $a }}
annotations:
  {{- toYaml $a | nindent 2 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy egress rule for DNS. */}}
{{- define "switchyard.egressDns" -}}
- to:
    {{- toYaml .Values.networkPolicy.dnsTo | nindent 4 }}
  ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end -}}

{{/* NetworkPolicy egress rule for PostgreSQL: the bundled pods, or the external database's port. */}}
{{- define "switchyard.egressPostgres" -}}
{{- if .Values.postgresql.enabled -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "switchyard.selectorLabels" (list . "postgresql") | nindent 10 }}
  ports:
    - protocol: TCP
      port: 5432
{{- else -}}
- ports:
    - protocol: TCP
      port: {{ .Values.networkPolicy.externalDatabasePort }}
  {{- with .Values.networkPolicy.externalDatabaseTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* NetworkPolicy egress rule for Redis: the bundled pod, or the external Redis's port. */}}
{{- define "switchyard.egressRedis" -}}
{{- if .Values.redis.enabled -}}
- to:
    - podSelector:
        matchLabels:
          {{- include "switchyard.selectorLabels" (list . "redis") | nindent 10 }}
  ports:
    - protocol: TCP
      port: 6379
{{- else -}}
- ports:
    - protocol: TCP
      port: {{ .Values.networkPolicy.externalRedisPort }}
    {{- range .Values.networkPolicy.externalRedisExtraPorts }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
  {{- with .Values.networkPolicy.externalRedisTo }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
{{- end -}}

{{/* A NetworkPolicy ingress rule for one port, from the given peers or from anywhere when none. (list port peers) */}}
{{- define "switchyard.ingressPort" -}}
- ports:
    - protocol: TCP
      port: {{ index . 0 }}
  {{- with index . 1 }}
  from:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* True when some secret is read from the shared secrets.existingSecret. */}}
{{- define "switchyard.usesSharedSecret" -}}
{{- range $entry := concat (list "adminToken" "nodeToken" "masterKey" "databaseUrl") (ternary (list "redisUrl") (list) (empty (include "switchyard.redisTopology" $))) -}}
{{- $e := index $.Values.secrets $entry -}}
{{- if not (or $e.value $e.existingSecret) -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/* The Secret with the config stream's certificate: cert-manager's, or the one named in values. */}}
{{- define "switchyard.grpcTlsSecret" -}}
{{- if .Values.configStream.tls.certManager.enabled -}}
{{- include "switchyard.componentName" (list . "grpc-tls") -}}
{{- else -}}
{{- required "configStream.tls.existingSecret: name the Secret with the config stream's certificate, or turn on configStream.tls.certManager" .Values.configStream.tls.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The issuer of the data planes' per-pod client certificates (mutual TLS). */}}
{{- define "switchyard.clientIssuer" -}}
{{- $m := .Values.configStream.tls.mutual.issuerRef -}}
{{- $ref := ternary $m .Values.configStream.tls.certManager.issuerRef (not (empty $m.name)) -}}
{{- if not $ref.name -}}
{{- fail "configStream.tls.mutual needs an issuer: set configStream.tls.mutual.issuerRef.name or configStream.tls.certManager.issuerRef.name" -}}
{{- end -}}
{{- toYaml $ref -}}
{{- end -}}

{{/* "sentinel" or "cluster" when redisConnection names Redis that way (then REDIS_URL is not set), else empty. */}}
{{- define "switchyard.redisTopology" -}}
{{- $r := .Values.redisConnection -}}
{{- if and $r.sentinels $r.clusterNodes -}}
{{- fail "redisConnection: set sentinels or clusterNodes, not both" -}}
{{- else if $r.sentinels -}}
{{- if not $r.sentinelMaster }}{{ fail "redisConnection.sentinelMaster is required with redisConnection.sentinels" }}{{ end -}}
sentinel
{{- else if $r.clusterNodes -}}
cluster
{{- end -}}
{{- end -}}

{{/*
The Redis connection settings both planes read (docs/limits.md, "Redis connection"), as ConfigMap entries.
Only what is set is written; the apps treat a missing variable as unset. REDIS_TLS is never written as
"false": a rediss:// URL in the Secret turns TLS on, and an explicit false beside it would be refused.
*/}}
{{- define "switchyard.redisConfig" -}}
{{- $r := .Values.redisConnection -}}
{{- $topology := include "switchyard.redisTopology" . -}}
{{- if $r.tls.enabled }}
REDIS_TLS: "true"
{{- end }}
{{- if $r.tls.existingSecret }}
{{- if not $r.tls.enabled }}{{ fail "redisConnection.tls.existingSecret needs redisConnection.tls.enabled" }}{{ end }}
REDIS_TLS_CA_FILE: /etc/switchyard/redis-tls/ca.crt
{{- if $r.tls.clientCertificate }}
REDIS_TLS_CERT_FILE: /etc/switchyard/redis-tls/tls.crt
REDIS_TLS_KEY_FILE: /etc/switchyard/redis-tls/tls.key
{{- end }}
{{- else if $r.tls.clientCertificate }}
{{- fail "redisConnection.tls.clientCertificate needs redisConnection.tls.existingSecret" }}
{{- end }}
{{- with $r.tls.serverName }}
REDIS_TLS_SERVER_NAME: {{ . | quote }}
{{- end }}
{{- with $r.username }}
REDIS_USERNAME: {{ . | quote }}
{{- end }}
{{- if eq $topology "sentinel" }}
REDIS_SENTINELS: {{ $r.sentinels | quote }}
REDIS_SENTINEL_MASTER: {{ $r.sentinelMaster | quote }}
{{- else if eq $topology "cluster" }}
REDIS_CLUSTER_NODES: {{ $r.clusterNodes | quote }}
{{- end }}
{{- end -}}

{{/* The Redis secrets of both planes, as EnvVars: REDIS_URL unless Sentinel or Cluster names Redis, and the passwords. */}}
{{- define "switchyard.redisSecretEnv" -}}
{{- $topology := include "switchyard.redisTopology" . -}}
{{- $out := list -}}
{{- if not $topology -}}
{{- $out = append $out (include "switchyard.secretEnv" (list . "redisUrl" "REDIS_URL") | trim) -}}
{{- end -}}
{{- $out = append $out (include "switchyard.secretEnv" (list . "redisPassword" "REDIS_PASSWORD" true) | trim) -}}
{{- if eq $topology "sentinel" -}}
{{- $out = append $out (include "switchyard.secretEnv" (list . "redisSentinelPassword" "REDIS_SENTINEL_PASSWORD" true) | trim) -}}
{{- end -}}
{{- without $out "" | join "\n" -}}
{{- end -}}

{{/* The volumeMount of the Redis TLS Secret, when there is one. */}}
{{- define "switchyard.redisTlsMount" -}}
{{- if .Values.redisConnection.tls.existingSecret -}}
- name: redis-tls
  mountPath: /etc/switchyard/redis-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* The volume of the Redis TLS Secret, when there is one: only the files the settings name. */}}
{{- define "switchyard.redisTlsVolume" -}}
{{- $t := .Values.redisConnection.tls -}}
{{- if $t.existingSecret -}}
- name: redis-tls
  secret:
    secretName: {{ $t.existingSecret }}
    items:
      - key: ca.crt
        path: ca.crt
      {{- if $t.clientCertificate }}
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
      {{- end }}
{{- end }}
{{- end -}}
