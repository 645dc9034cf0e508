"""Message types of the databroker's ``sdv.databroker.v1`` API, built from its descriptors.

The serialized ``FileDescriptorProto``s of ``sdv/databroker/v1/types.proto`` and
``broker.proto`` (Eclipse KUKSA databroker, Apache-2.0; as shipped, generated, inside PyPI
``velocitas-sdk==0.15.7`` ``velocitas_sdk/proto/*_pb2.py``). They are loaded into a pool of
their own, so no generated code (and no protobuf gencode/runtime version pin) is needed.
"""

from __future__ import annotations

from typing import Any, Final

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2

__all__ = ["SERVICE", "messages"]

SERVICE: Final = "sdv.databroker.v1.Broker"

_TYPES_PROTO: Final = (
    b"\n\x1dsdv/databroker/v1/types.proto\x12\x11sdv.dat"
    b"abroker.v1\x1a\x1fgoogle/protobuf/timestamp.pr"
    b'oto"\x1d\n\x0bStringArray\x12\x0e\n\x06values\x18\x01 \x03(\t"\x1b\n\tBo'
    b'olArray\x12\x0e\n\x06values\x18\x01 \x03(\x08"\x1c\n\nInt32Array\x12\x0e\n'
    b'\x06values\x18\x01 \x03(\x11"\x1c\n\nInt64Array\x12\x0e\n\x06values\x18\x01 '
    b'\x03(\x12"\x1d\n\x0bUint32Array\x12\x0e\n\x06values\x18\x01 \x03(\r"\x1d\n\x0bUi'
    b'nt64Array\x12\x0e\n\x06values\x18\x01 \x03(\x04"\x1c\n\nFloatArray\x12'
    b'\x0e\n\x06values\x18\x01 \x03(\x02"\x1d\n\x0bDoubleArray\x12\x0e\n\x06values'
    b'\x18\x01 \x03(\x01"\xe2\x06\n\tDatapoint\x12-\n\ttimestamp\x18\x01 \x01(\x0b2'
    b"\x1a.google.protobuf.Timestamp\x12=\n\rfailure_v"
    b"alue\x18\n \x01(\x0e2$.sdv.databroker.v1.Datapoint"
    b".FailureH\x00\x12\x16\n\x0cstring_value\x18\x0b \x01(\tH\x00\x12\x14\n\nbo"
    b"ol_value\x18\x0c \x01(\x08H\x00\x12\x15\n\x0bint32_value\x18\r \x01(\x11H\x00\x12"
    b"\x15\n\x0bint64_value\x18\x0e \x01(\x12H\x00\x12\x16\n\x0cuint32_value\x18\x0f"
    b" \x01(\rH\x00\x12\x16\n\x0cuint64_value\x18\x10 \x01(\x04H\x00\x12\x15\n\x0bfloat_"
    b"value\x18\x11 \x01(\x02H\x00\x12\x16\n\x0cdouble_value\x18\x12 \x01(\x01H\x00\x126\n"
    b"\x0cstring_array\x18\x15 \x01(\x0b2\x1e.sdv.databroker.v1."
    b"StringArrayH\x00\x122\n\nbool_array\x18\x16 \x01(\x0b2\x1c.sdv."
    b"databroker.v1.BoolArrayH\x00\x124\n\x0bint32_array"
    b"\x18\x17 \x01(\x0b2\x1d.sdv.databroker.v1.Int32ArrayH\x00\x12"
    b"4\n\x0bint64_array\x18\x18 \x01(\x0b2\x1d.sdv.databroker.v1"
    b".Int64ArrayH\x00\x126\n\x0cuint32_array\x18\x19 \x01(\x0b2\x1e.sd"
    b"v.databroker.v1.Uint32ArrayH\x00\x126\n\x0cuint64_"
    b"array\x18\x1a \x01(\x0b2\x1e.sdv.databroker.v1.Uint64Ar"
    b"rayH\x00\x124\n\x0bfloat_array\x18\x1b \x01(\x0b2\x1d.sdv.databro"
    b"ker.v1.FloatArrayH\x00\x126\n\x0cdouble_array\x18\x1c \x01("
    b'\x0b2\x1e.sdv.databroker.v1.DoubleArrayH\x00"m\n\x07F'
    b"ailure\x12\x11\n\rINVALID_VALUE\x10\x00\x12\x11\n\rNOT_AVAILAB"
    b"LE\x10\x01\x12\x15\n\x11UNKNOWN_DATAPOINT\x10\x02\x12\x11\n\rACCESS_DE"
    b'NIED\x10\x03\x12\x12\n\x0eINTERNAL_ERROR\x10\x04B\x07\n\x05value"\x9d\x01\n\x08'
    b"Metadata\x12\n\n\x02id\x18\x01 \x01(\x05\x12\x0c\n\x04name\x18\x04 \x01(\t\x12.\n\tda"
    b"ta_type\x18\x05 \x01(\x0e2\x1b.sdv.databroker.v1.DataTy"
    b"pe\x122\n\x0bchange_type\x18\x06 \x01(\x0e2\x1d.sdv.databroker"
    b".v1.ChangeType\x12\x13\n\x0bdescription\x18\x07 \x01(\t*\x84\x03\n\x08"
    b"DataType\x12\n\n\x06STRING\x10\x00\x12\x08\n\x04BOOL\x10\x01\x12\x08\n\x04INT8\x10\x02"
    b"\x12\t\n\x05INT16\x10\x03\x12\t\n\x05INT32\x10\x04\x12\t\n\x05INT64\x10\x05\x12\t\n\x05UIN"
    b"T8\x10\x06\x12\n\n\x06UINT16\x10\x07\x12\n\n\x06UINT32\x10\x08\x12\n\n\x06UINT64\x10\t"
    b"\x12\t\n\x05FLOAT\x10\n\x12\n\n\x06DOUBLE\x10\x0b\x12\r\n\tTIMESTAMP\x10\x0c\x12\x10"
    b"\n\x0cSTRING_ARRAY\x10\x14\x12\x0e\n\nBOOL_ARRAY\x10\x15\x12\x0e\n\nINT8"
    b"_ARRAY\x10\x16\x12\x0f\n\x0bINT16_ARRAY\x10\x17\x12\x0f\n\x0bINT32_ARRAY"
    b"\x10\x18\x12\x0f\n\x0bINT64_ARRAY\x10\x19\x12\x0f\n\x0bUINT8_ARRAY\x10\x1a\x12\x10\n\x0c"
    b"UINT16_ARRAY\x10\x1b\x12\x10\n\x0cUINT32_ARRAY\x10\x1c\x12\x10\n\x0cUINT"
    b"64_ARRAY\x10\x1d\x12\x0f\n\x0bFLOAT_ARRAY\x10\x1e\x12\x10\n\x0cDOUBLE_AR"
    b"RAY\x10\x1f\x12\x13\n\x0fTIMESTAMP_ARRAY\x10 *s\n\x0eDatapointE"
    b"rror\x12\x15\n\x11UNKNOWN_DATAPOINT\x10\x00\x12\x10\n\x0cINVALID_T"
    b"YPE\x10\x01\x12\x11\n\rACCESS_DENIED\x10\x02\x12\x12\n\x0eINTERNAL_ERR"
    b"OR\x10\x03\x12\x11\n\rOUT_OF_BOUNDS\x10\x04*7\n\nChangeType\x12\n\n"
    b"\x06STATIC\x10\x00\x12\r\n\tON_CHANGE\x10\x01\x12\x0e\n\nCONTINUOUS\x10\x02"
    b"b\x06proto3"
)

_BROKER_PROTO: Final = (
    b"\n\x1esdv/databroker/v1/broker.proto\x12\x11sdv.da"
    b"tabroker.v1\x1a\x1dsdv/databroker/v1/types.pro"
    b'to"*\n\x14GetDatapointsRequest\x12\x12\n\ndatapoints'
    b'\x18\x01 \x03(\t"\xb0\x01\n\x12GetDatapointsReply\x12I\n\ndatapoi'
    b"nts\x18\x01 \x03(\x0b25.sdv.databroker.v1.GetDatapoi"
    b"ntsReply.DatapointsEntry\x1aO\n\x0fDatapointsEn"
    b"try\x12\x0b\n\x03key\x18\x01 \x01(\t\x12+\n\x05value\x18\x02 \x01(\x0b2\x1c.sdv.da"
    b'tabroker.v1.Datapoint:\x028\x01"\xb4\x01\n\x14SetDatapoi'
    b"ntsRequest\x12K\n\ndatapoints\x18\x01 \x03(\x0b27.sdv.dat"
    b"abroker.v1.SetDatapointsRequest.Datapoin"
    b"tsEntry\x1aO\n\x0fDatapointsEntry\x12\x0b\n\x03key\x18\x01 \x01(\t\x12"
    b"+\n\x05value\x18\x02 \x01(\x0b2\x1c.sdv.databroker.v1.Datap"
    b'oint:\x028\x01"\xa9\x01\n\x12SetDatapointsReply\x12A\n\x06error'
    b"s\x18\x01 \x03(\x0b21.sdv.databroker.v1.SetDatapoint"
    b"sReply.ErrorsEntry\x1aP\n\x0bErrorsEntry\x12\x0b\n\x03key"
    b"\x18\x01 \x01(\t\x120\n\x05value\x18\x02 \x01(\x0e2!.sdv.databroker.v"
    b'1.DatapointError:\x028\x01"!\n\x10SubscribeRequest'
    b'\x12\r\n\x05query\x18\x02 \x01(\t"\x9c\x01\n\x0eSubscribeReply\x12=\n\x06fi'
    b"elds\x18\x01 \x03(\x0b2-.sdv.databroker.v1.Subscribe"
    b"Reply.FieldsEntry\x1aK\n\x0bFieldsEntry\x12\x0b\n\x03key\x18"
    b"\x01 \x01(\t\x12+\n\x05value\x18\x02 \x01(\x0b2\x1c.sdv.databroker.v1"
    b'.Datapoint:\x028\x01"#\n\x12GetMetadataRequest\x12\r\n\x05'
    b'names\x18\x01 \x03(\t"=\n\x10GetMetadataReply\x12)\n\x04list\x18'
    b"\x01 \x03(\x0b2\x1b.sdv.databroker.v1.Metadata2\xfc\x02\n\x06B"
    b"roker\x12_\n\rGetDatapoints\x12'.sdv.databroker."
    b"v1.GetDatapointsRequest\x1a%.sdv.databroker"
    b".v1.GetDatapointsReply\x12_\n\rSetDatapoints\x12"
    b"'.sdv.databroker.v1.SetDatapointsRequest"
    b"\x1a%.sdv.databroker.v1.SetDatapointsReply\x12"
    b"U\n\tSubscribe\x12#.sdv.databroker.v1.Subscri"
    b"beRequest\x1a!.sdv.databroker.v1.SubscribeR"
    b"eply0\x01\x12Y\n\x0bGetMetadata\x12%.sdv.databroker.v"
    b"1.GetMetadataRequest\x1a#.sdv.databroker.v1"
    b".GetMetadataReplyb\x06proto3"
)


def _build() -> dict[str, Any]:
    pool = descriptor_pool.DescriptorPool()
    ts = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(ts)
    pool.Add(ts)
    files = []
    for raw in (_TYPES_PROTO, _BROKER_PROTO):
        fd = descriptor_pb2.FileDescriptorProto.FromString(raw)
        pool.Add(fd)
        files.append(fd)
    return dict(message_factory.GetMessages(files, pool=pool))


_MESSAGES: dict[str, Any] | None = None


def messages() -> dict[str, Any]:
    """Message classes by full name (``"sdv.databroker.v1.Datapoint"``, ...)."""
    global _MESSAGES
    if _MESSAGES is None:
        _MESSAGES = _build()
    return _MESSAGES
