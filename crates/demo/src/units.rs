//! The demo hierarchy: the pilot zone, its cities, zones and parks.
use super::*;

/// (code, zh, en, level, parent code)
pub(crate) const UNITS: &[(&str, &str, &str, UnitLevel, &str)] = &[
    ("620000", "甘肃省", "Gansu Province", UnitLevel::Province, ""),
    ("620100", "兰州市", "Lanzhou", UnitLevel::City, "620000"),
    ("620400", "白银市", "Baiyin", UnitLevel::City, "620000"),
    ("LZXQ", "兰州新区", "Lanzhou New Area", UnitLevel::Zone, "620100"),
    ("LZGX", "兰州高新区", "Lanzhou High-tech Zone", UnitLevel::Zone, "620100"),
    ("LZJJ", "兰州经济区", "Lanzhou Economic Zone", UnitLevel::Zone, "620100"),
    ("BYGX", "白银高新区", "Baiyin High-tech Zone", UnitLevel::Zone, "620400"),
    ("LZXQ-SH", "石化产业园区", "Petrochemical Park", UnitLevel::Park, "LZXQ"),
    ("LZXQ-ZB", "装备制造产业园区", "Equipment Manufacturing Park", UnitLevel::Park, "LZXQ"),
    ("LZGX-YT", "雁滩园区", "Yantan Park", UnitLevel::Park, "LZGX"),
    ("LZGX-YZ", "榆中园区", "Yuzhong Park", UnitLevel::Park, "LZGX"),
    ("LZGX-QLH", "七里河园区", "Qilihe Park", UnitLevel::Park, "LZGX"),
    ("LZGX-JZ", "九州园区", "Jiuzhou Park", UnitLevel::Park, "LZGX"),
    ("LZGX-HP", "和平园区", "Heping Park", UnitLevel::Park, "LZGX"),
    ("LZJJ-AN", "安宁园区", "Anning Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-JCB", "机场北高新园区", "Airport North High-tech Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-XG", "西固园区", "Xigu Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-HG", "红古园区", "Honggu Park", UnitLevel::Park, "LZJJ"),
    ("LZJJ-GL", "皋兰园区", "Gaolan Park", UnitLevel::Park, "LZJJ"),
    ("BYGX-BB", "白银高新区本部园区", "Baiyin High-tech Main Park", UnitLevel::Park, "BYGX"),
    ("BYGX-YD", "银东工业园区", "Yindong Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-YX", "银西工业园区", "Yinxi Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-LC", "刘川工业园区", "Liuchuan Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-PC", "平川工业园区", "Pingchuan Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-ZL", "正路工业园区", "Zhenglu Industrial Park", UnitLevel::Park, "BYGX"),
    ("BYGX-HN", "会宁工业园区", "Huining Industrial Park", UnitLevel::Park, "BYGX"),
];
