// Engine.IO v4 polling payloads: records joined by 0x1E, binary records as "b" + base64.
#pragma once
#include <node_api.h>

namespace hyperio {

// decodePayload(bytes, maxRecords, maxRecordBytes) -> Array<string | Buffer>
napi_value DecodePayload(napi_env env, napi_callback_info info);
// encodePayload(packets: Array<string | ArrayBufferView | ArrayBuffer>) -> Buffer
napi_value EncodePayload(napi_env env, napi_callback_info info);

}  // namespace hyperio
