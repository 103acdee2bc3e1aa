// Socket.IO v5 packet header: <type>[<attachments>-][<nsp>,][<ack id>]<data>
#pragma once
#include <node_api.h>

namespace hyperio {

// scanPacketHeader(input: string | Uint8Array | ArrayBuffer, maxAttachments, out: Float64Array)
// writes [type, attachments, nspStart, nspEnd, ackId, dataStart] into out (-1 = absent).
napi_value ScanPacketHeader(napi_env env, napi_callback_info info);

}  // namespace hyperio
