{{/* Names are cut to 63 characters: Kubernetes label values and DNS labels allow no more. */}}
{{- define "pushgate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushgate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "pushgate.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "pushgate.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "pushgate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pushgate.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "pushgate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pushgate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pushgate.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Service the API server calls for admission, and the names its certificate must carry. */}}
{{- define "pushgate.webhookService" -}}
{{- printf "%s-webhook" (include "pushgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushgate.webhookDnsNames" -}}
{{- $svc := include "pushgate.webhookService" . }}
{{- list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) | toJson }}
{{- end }}

{{- define "pushgate.tlsSecretName" -}}
{{- if eq .Values.admission.tls.source "secret" }}
{{- required "admission.tls.existingSecret is required with admission.tls.source=secret" .Values.admission.tls.existingSecret }}
{{- else }}
{{- printf "%s-webhook-tls" (include "pushgate.fullname" .) }}
{{- end }}
{{- end }}

{{- define "pushgate.redisName" -}}
{{- printf "%s-redis" (include "pushgate.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushgate.keysSecretName" -}}
{{- printf "%s-keys" (include "pushgate.fullname" .) }}
{{- end }}

{{/* Secret and key holding the Redis password, or nothing when Redis takes none. */}}
{{- define "pushgate.redisPasswordRef" -}}
{{- $r := .Values.redis }}
{{- if eq $r.mode "bundled" }}
{{- dict "name" (default (include "pushgate.redisName" .) $r.bundled.existingSecret) "key" (ternary $r.bundled.passwordKey "redis-password" (ne $r.bundled.existingSecret "")) | toJson }}
{{- else if and (eq $r.mode "external") $r.external.existingSecret }}
{{- dict "name" $r.external.existingSecret "key" $r.external.passwordKey | toJson }}
{{- else if and (eq $r.mode "sentinel") $r.sentinel.existingSecret }}
{{- dict "name" $r.sentinel.existingSecret "key" $r.sentinel.passwordKey | toJson }}
{{- else }}
{{- dict | toJson }}
{{- end }}
{{- end }}

{{/*
The redis section of pushgate's configuration. A password goes into the URL as ${REDIS_PASSWORD}
(pushgate interpolates it when it reads the file), so it never sits in the ConfigMap.
*/}}
{{- define "pushgate.redisConfig" -}}
{{- $r := .Values.redis }}
{{- $out := dict "prefix" $r.prefix }}
{{- $password := include "pushgate.redisPasswordRef" . | fromJson }}
{{- if eq $r.mode "sentinel" }}
{{- if not $r.sentinel.sentinels }}{{ fail "redis.sentinel.sentinels: list at least one sentinel (host:port)" }}{{ end }}
{{- $_ := set $out "sentinels" $r.sentinel.sentinels }}
{{- $_ := set $out "sentinelName" $r.sentinel.masterName }}
{{- if $password.name }}{{ $_ := set $out "password" "${REDIS_PASSWORD}" }}{{ end }}
{{- if and $r.sentinel.existingSecret $r.sentinel.sentinelPasswordKey }}{{ $_ := set $out "sentinelPassword" "${REDIS_SENTINEL_PASSWORD}" }}{{ end }}
{{- else }}
{{- $url := "" }}
{{- if eq $r.mode "bundled" }}
{{- $url = printf "redis://%s:6379" (include "pushgate.redisName" .) }}
{{- else }}
{{- $url = required "redis.external.url is required with redis.mode=external" $r.external.url }}
{{- end }}
{{- if $password.name }}
{{- $parts := splitn "://" 2 $url }}
{{- $user := ternary $r.external.username "" (eq $r.mode "external") }}
{{- $url = printf "%s://%s:${REDIS_PASSWORD}@%s" $parts._0 $user $parts._1 }}
{{- end }}
{{- $_ := set $out "url" $url }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* Where policies are read from: the image's default set, the chart's ConfigMap, an existing one. */}}
{{- define "pushgate.policyPaths" -}}
{{- $paths := list }}
{{- if .Values.policies.builtin }}{{ $paths = append $paths "/app/policies" }}{{ end }}
{{- if .Values.policies.files }}{{ $paths = append $paths "/etc/pushgate/policies/chart" }}{{ end }}
{{- if .Values.policies.existingConfigMap }}{{ $paths = append $paths "/etc/pushgate/policies/existing" }}{{ end }}
{{- if not $paths }}{{ fail "policies: set builtin, files or existingConfigMap: pushgate needs at least one policy source" }}{{ end }}
{{- toJson $paths }}
{{- end }}

{{/* The whole pushgate.yaml: the user's config with the sections the chart owns filled in. */}}
{{- define "pushgate.config" -}}
{{- $c := deepCopy .Values.config }}
{{- $server := merge (dict "host" "0.0.0.0" "port" 8080) (default dict $c.server) }}
{{- $_ := set $c "server" $server }}
{{- $_ := set $c "redis" (include "pushgate.redisConfig" . | fromJson) }}
{{- $policies := merge (dict "paths" (include "pushgate.policyPaths" . | fromJsonArray)) (default dict $c.policies) }}
{{- $_ := set $c "policies" $policies }}
{{- $admission := default dict $c.admission }}
{{- $_ := set $admission "enabled" .Values.admission.enabled }}
{{- if .Values.admission.enabled }}
{{- $_ := set $admission "host" "0.0.0.0" }}
{{- $_ := set $admission "port" 8443 }}
{{- $_ := set $admission "tls" (dict "certFile" "/etc/pushgate/tls/tls.crt" "keyFile" "/etc/pushgate/tls/tls.key") }}
{{- $_ := set $admission "mutate" (dict "enabled" .Values.admission.mutate.enabled) }}
{{- end }}
{{- $_ := set $c "admission" $admission }}
{{- $_ := set $c "secrets" (dict "fingerprintKey" "${PUSHGATE_SECRETS_FINGERPRINT_KEY}") }}
{{- range $section, $value := $c }}
{{- if and (kindIs "map" $value) (not $value) }}{{ $_ := unset $c $section }}{{ end }}
{{- end }}
{{- toJson $c }}
{{- end }}

{{/* Seconds a stopping worker may take: its grace (workers.shutdownGraceMs, else a whole scan) plus a margin to hand its jobs back. */}}
{{- define "pushgate.workerGracePeriod" -}}
{{- $limits := default dict .Values.config.limits }}
{{- $workers := default dict .Values.config.workers }}
{{- $scanMs := default 900000 $limits.scanTimeoutMs | int64 }}
{{- $graceMs := default $scanMs $workers.shutdownGraceMs | int64 }}
{{- add (div (add (max $scanMs $graceMs) 999) 1000) .Values.worker.extraGracePeriodSeconds }}
{{- end }}

{{/* Pod parts the server and the workers share. */}}
{{- define "pushgate.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "pushgate.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "pushgate.env" -}}
- name: PUSHGATE_CONFIG
  value: /etc/pushgate/config/pushgate.yaml
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: TMPDIR
  value: /tmp
- name: PUSHGATE_SECRETS_FINGERPRINT_KEY
  valueFrom:
    secretKeyRef:
      name: {{ default (include "pushgate.keysSecretName" .) .Values.fingerprintKey.existingSecret }}
      key: {{ ternary .Values.fingerprintKey.key "fingerprint-key" (ne .Values.fingerprintKey.existingSecret "") }}
{{- $password := include "pushgate.redisPasswordRef" . | fromJson }}
{{- if $password.name }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $password.name }}
      key: {{ $password.key }}
{{- end }}
{{- if and (eq .Values.redis.mode "sentinel") .Values.redis.sentinel.existingSecret .Values.redis.sentinel.sentinelPasswordKey }}
- name: REDIS_SENTINEL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.sentinel.existingSecret }}
      key: {{ .Values.redis.sentinel.sentinelPasswordKey }}
{{- end }}
{{- if .Values.apiTokens.existingSecret }}
- name: PUSHGATE_API_TOKENS
  valueFrom:
    secretKeyRef:
      name: {{ .Values.apiTokens.existingSecret }}
      key: {{ .Values.apiTokens.key }}
{{- end }}
{{- end }}

{{- define "pushgate.configVolumes" -}}
- name: config
  configMap:
    name: {{ include "pushgate.fullname" . }}-config
- name: tmp
  emptyDir: {}
{{- if .Values.policies.files }}
- name: policies-chart
  configMap:
    name: {{ include "pushgate.fullname" . }}-policies
{{- end }}
{{- if .Values.policies.existingConfigMap }}
- name: policies-existing
  configMap:
    name: {{ .Values.policies.existingConfigMap }}
{{- end }}
{{- end }}

{{- define "pushgate.configMounts" -}}
- name: config
  mountPath: /etc/pushgate/config
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- if .Values.policies.files }}
- name: policies-chart
  mountPath: /etc/pushgate/policies/chart
  readOnly: true
{{- end }}
{{- if .Values.policies.existingConfigMap }}
- name: policies-existing
  mountPath: /etc/pushgate/policies/existing
  readOnly: true
{{- end }}
{{- end }}

{{- define "pushgate.affinity" -}}
{{- $mode := .mode }}
{{- $labels := .labels }}
{{- if eq $mode "hard" }}
podAntiAffinity:
  requiredDuringSchedulingIgnoredDuringExecution:
    - topologyKey: kubernetes.io/hostname
      labelSelector:
        matchLabels: {{- toYaml $labels | nindent 10 }}
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: topology.kubernetes.io/zone
        labelSelector:
          matchLabels: {{- toYaml $labels | nindent 12 }}
{{- else if eq $mode "soft" }}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {{- toYaml $labels | nindent 12 }}
    - weight: 50
      podAffinityTerm:
        topologyKey: topology.kubernetes.io/zone
        labelSelector:
          matchLabels: {{- toYaml $labels | nindent 12 }}
{{- end }}
{{- end }}
