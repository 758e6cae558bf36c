{{/* The chart's name, shortened to what a label allows. */}}
{{- define "concierge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's name for its objects. */}}
{{- define "concierge.fullname" -}}
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

{{- define "concierge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "concierge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "concierge.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "concierge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "concierge.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "concierge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "concierge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding DATABASE_URL. */}}
{{- define "concierge.databaseSecret" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else if .Values.database.url }}
{{- printf "%s-database" (include "concierge.fullname" .) }}
{{- else }}
{{- fail "set database.existingSecret (a Secret with DATABASE_URL) or database.url: the replicas share one PostgreSQL" }}
{{- end }}
{{- end }}

{{- define "concierge.botConfigMap" -}}
{{- if .Values.botFiles.existingConfigMap }}
{{- .Values.botFiles.existingConfigMap }}
{{- else if .Values.botFiles.files }}
{{- printf "%s-bots" (include "concierge.fullname" .) }}
{{- else }}
{{- fail "set botFiles.existingConfigMap or botFiles.files: the server needs at least one bot file" }}
{{- end }}
{{- end }}

{{- define "concierge.baseURL" -}}
{{- if .Values.baseURL }}
{{- .Values.baseURL }}
{{- else if .Values.ingress.enabled }}
{{- printf "https://%s" .Values.ingress.host }}
{{- else }}
{{- fail "set baseURL (the public https:// address) or enable the ingress" }}
{{- end }}
{{- end }}

{{/* The environment of the server and the migration Job. */}}
{{- define "concierge.env" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "concierge.databaseSecret" . }}
      key: {{ .Values.database.secretKey }}
{{- if dig "limits" "memory" "" .Values.resources }}
# The Go runtime keeps its heap under the container's memory limit.
- name: GOMEMLIMIT
  valueFrom:
    resourceFieldRef:
      resource: limits.memory
      divisor: "1"
{{- end }}
{{- with .Values.otel }}
{{- if .endpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .endpoint | quote }}
- name: OTEL_EXPORTER_OTLP_PROTOCOL
  value: {{ .protocol | quote }}
- name: OTEL_SERVICE_NAME
  value: {{ .serviceName | quote }}
{{- if .resourceAttributes }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ .resourceAttributes | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "concierge.envFrom" -}}
{{- range .Values.envFromSecrets }}
- secretRef:
    name: {{ . }}
{{- end }}
{{- end }}

{{- define "concierge.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}
